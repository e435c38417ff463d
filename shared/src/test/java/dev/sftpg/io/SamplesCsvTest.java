package dev.sftpg.io;

import dev.sftpg.data.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SamplesCsvTest {

    @TempDir
    Path dir;

    @Test
    void writesExpectedText() throws IOException {
        Path f = dir.resolve("samples.csv");
        SamplesCsv.write(f, new Samples(3, 2, new float[]{1f, -2.5f, 0.1f, 1e-7f, -0f, Float.NaN}));
        assertEquals("x,y\n1.0,-2.5\n0.1,1.0E-7\n-0.0,NaN\n", Files.readString(f));
    }

    @Test
    void headerNamesColumnsByIndexBeyondTwoDimensions() {
        assertEquals("x0", SamplesCsv.header(1));
        assertEquals("x0,x1,x2", SamplesCsv.header(3));
        assertEquals("x0,x1,x2\n1.0,2.0,3.0\n", SamplesCsv.toCsv(new Samples(1, 3, new float[]{1, 2, 3})));
    }

    @Test
    void roundTripIsBitExact() throws IOException {
        Random rnd = new Random(7);
        float[] v = new float[3 * 500];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(20) - 10));
        v[0] = Float.MIN_VALUE;
        v[1] = Float.MAX_VALUE;
        v[2] = Float.NEGATIVE_INFINITY;
        Path f = dir.resolve("deep/cloud.csv");
        SamplesCsv.write(f, new Samples(500, 3, v));
        Samples back = SamplesCsv.read(f);
        assertEquals(500, back.n());
        assertEquals(3, back.dim());
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back.values()[i]), "value " + i);
        }
    }

    @Test
    void emptyCloudHasOnlyHeader() throws IOException {
        Path f = dir.resolve("empty.csv");
        SamplesCsv.write(f, new Samples(0, 2, new float[0]));
        assertEquals("x,y\n", Files.readString(f));
        assertEquals(0, SamplesCsv.read(f).n());
    }

    @Test
    void malformedLineIsReportedWithFileAndLine() throws IOException {
        Path f = Files.writeString(dir.resolve("bad.csv"), "x,y\n1,2\n3\n");
        IOException e = assertThrows(IOException.class, () -> SamplesCsv.read(f));
        assertTrue(e.getMessage().contains("bad.csv:3"), e.getMessage());
    }
}
