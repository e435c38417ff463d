package dev.sftpg.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDX files are read gzipped or plain, and every damage is reported with the file, the problem and the fix given. */
class IdxFilesTest {
    static final String FIX = "replace the file";

    @TempDir
    Path dir;

    /** The bytes of an IDX file: magic, the header ints, then the body. */
    static byte[] idx(int magic, int[] header, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeInt(magic);
            for (int h : header) out.writeInt(h);
            out.write(body);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return b.toByteArray();
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return b.toByteArray();
    }

    /** {@code count} images of {@code rows x cols} whose pixel j of image i is {@code (i * 31 + j) % 256}. */
    static byte[] pixels(int count, int rows, int cols) {
        byte[] p = new byte[count * rows * cols];
        for (int i = 0; i < count; i++) for (int j = 0; j < rows * cols; j++) p[i * rows * cols + j] = (byte) ((i * 31 + j) % 256);
        return p;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsGzippedAndPlainImagesAlike() throws IOException {
        byte[] body = pixels(3, 4, 5);
        byte[] file = idx(IdxFiles.IMAGES_MAGIC, new int[]{3, 4, 5}, body);
        IdxFiles.Images gz = IdxFiles.readImages(write("i.gz", gzip(file)), 4, 5, FIX);
        IdxFiles.Images plain = IdxFiles.readImages(write("i", file), 4, 5, FIX);
        for (IdxFiles.Images im : new IdxFiles.Images[]{gz, plain}) {
            assertEquals(3, im.count());
            assertEquals(4, im.rows());
            assertEquals(5, im.cols());
            assertArrayEquals(body, im.pixels());
        }
        // a gzipped file without the .gz name is recognised by its signature
        assertArrayEquals(body, IdxFiles.readImages(write("renamed", gzip(file)), 4, 5, FIX).pixels());
    }

    @Test
    void readsLabels() throws IOException {
        byte[] labels = {9, 0, 3, 3, 7};
        assertArrayEquals(labels, IdxFiles.readLabels(write("l.gz", gzip(idx(IdxFiles.LABELS_MAGIC, new int[]{5}, labels))), 10, FIX));
        assertArrayEquals(labels, IdxFiles.readLabels(write("l", idx(IdxFiles.LABELS_MAGIC, new int[]{5}, labels)), 10, FIX));
        assertEquals(0, IdxFiles.readLabels(write("none", idx(IdxFiles.LABELS_MAGIC, new int[]{0}, new byte[0])), 10, FIX).length);
    }

    @Test
    void readsBodiesLargerThanOneBuffer() throws IOException {
        byte[] body = pixels(200, 28, 28); // 156,800 bytes: several reads of the gzip stream
        IdxFiles.Images im = IdxFiles.readImages(write("big.gz", gzip(idx(IdxFiles.IMAGES_MAGIC, new int[]{200, 28, 28}, body))), 28, 28, FIX);
        assertArrayEquals(body, im.pixels());
    }

    @Test
    void refusesDamagedFilesNamingFileProblemAndFix() throws IOException {
        byte[] body = pixels(3, 4, 5);
        assertRefused(write("labels-as-images", idx(IdxFiles.LABELS_MAGIC, new int[]{3}, new byte[3])), true,
                "magic number 0x00000801 (a label file) where an IDX image file has 0x00000803");
        assertRefused(write("images-as-labels", idx(IdxFiles.IMAGES_MAGIC, new int[]{3, 4, 5}, body)), false,
                "magic number 0x00000803 (an image file) where an IDX label file has 0x00000801");
        assertRefused(write("text.gz", "hello".getBytes()), true, "is named .gz but is not gzip-compressed");
        assertRefused(write("short-body", idx(IdxFiles.IMAGES_MAGIC, new int[]{3, 4, 5}, Arrays.copyOf(body, 50))), true,
                "truncated: its header promises 3 images of 4x5 (60 bytes after the header) but it ends after 50");
        assertRefused(write("short-header", Arrays.copyOf(idx(IdxFiles.IMAGES_MAGIC, new int[]{3, 4, 5}, body), 10)), true,
                "truncated: the file ends inside its header, before the row count");
        byte[] gz = gzip(idx(IdxFiles.IMAGES_MAGIC, new int[]{3, 4, 5}, body));
        assertRefused(write("cut.gz", Arrays.copyOf(gz, gz.length / 2)), true, "truncated");
        byte[] garbled = gz.clone();
        Arrays.fill(garbled, 10, garbled.length, (byte) 0xFF); // a reserved deflate block type
        assertRefused(write("garbled.gz", garbled), true, "is damaged (gzip:");
        assertRefused(write("wide", idx(IdxFiles.IMAGES_MAGIC, new int[]{3, 4, 6}, pixels(3, 4, 6))), true,
                "images of 4x6 pixels where 4x5 are expected");
        assertRefused(write("negative", idx(IdxFiles.LABELS_MAGIC, new int[]{-1}, new byte[0])), false, "negative label count -1");
        assertRefused(write("eleven", idx(IdxFiles.LABELS_MAGIC, new int[]{4}, new byte[]{1, 2, 10, 3})), false,
                "label 10 of item 2 is not a class 0..9");
        assertRefused(write("unsigned", idx(IdxFiles.LABELS_MAGIC, new int[]{1}, new byte[]{(byte) 200})), false,
                "label 200 of item 0");
        assertRefused(dir.resolve("absent.gz"), true, "file not found");
    }

    private static void assertRefused(Path file, boolean images, String problem) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> {
            if (images) IdxFiles.readImages(file, 4, 5, FIX);
            else IdxFiles.readLabels(file, 10, FIX);
        });
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith("data file " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), () -> "expected \"" + problem + "\" in: " + e.getMessage());
        assertTrue(e.getMessage().endsWith("; " + FIX), e.getMessage());
    }
}
