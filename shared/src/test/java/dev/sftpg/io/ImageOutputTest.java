package dev.sftpg.io;

import dev.sftpg.data.Bars;
import dev.sftpg.data.Samples;
import dev.sftpg.data.SampleShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageOutputTest {
    @TempDir
    Path dir;

    @Test
    void gridDrawsEachPixelScaledWithDataBeside() throws Exception {
        Bars bars = new Bars(8, 0.0);
        Samples one = new Samples(1, bars.shape(), bars.pattern(0)); // top row white, the rest black
        BufferedImage img = ImageGrid.render(one, null, null, 64);
        int scale = (64 - 2) / 8;
        assertEquals(0xFFFFFF, img.getRGB(2, 2) & 0xFFFFFF); // inside the first (lit) row
        assertEquals(0x000000, img.getRGB(2, 2 + scale) & 0xFFFFFF); // the row below
        BufferedImage pair = ImageGrid.render(one, one, "t", 64);
        assertTrue(pair.getWidth() > 2 * img.getWidth() - 1);
        Path out = dir.resolve("grid.png");
        ImageGrid.writePng(out, bars.sample(64, 1), bars.sample(64, 2), "bars", 480);
        assertTrue(ImageIO.read(out.toFile()).getWidth() > 480);
        assertTrue(ImageIO.read(new ByteArrayInputStream(ImageGrid.png(one, 64))).getWidth() > 0);
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(new Samples(1, 2, new float[2]), null, null, 64));
    }

    @Test
    void npyHasNumpysHeaderAndLittleEndianFloats() throws Exception {
        Samples p = new Samples(2, SampleShape.image(1, 2, 3), new float[]{0, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5, 0.5f});
        Path out = dir.resolve("s.npy");
        Npy.write(out, p);
        byte[] b = Files.readAllBytes(out);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        assertEquals(0, (10 + headerLen) % 64);
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (2, 1, 2, 3)") && header.contains("'<f4'") && header.endsWith("\n"), header);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, 48).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : p.values()) assertEquals(v, data.getFloat());
        assertEquals(10 + headerLen + 48, b.length);
    }
}
