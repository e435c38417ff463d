package dev.sftpg.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files MNIST-like data sets ship in: a big-endian int32 magic number ({@code 0x00000803} for unsigned
 * byte images, {@code 0x00000801} for unsigned byte labels), one int32 per axis (count, then rows and columns for
 * images), then the bytes. A file is read gzip-compressed when it starts with the gzip signature and as it is
 * otherwise; one named {@code .gz} must be gzip. Every check fails with a {@link DataFormatException} naming the file,
 * what is wrong and the caller's {@code fix}, before anything is trained on a damaged file.
 */
public final class IdxFiles {
    /** Magic number of an IDX file of unsigned bytes with three axes (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one axis (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** Images of one IDX file: {@code count} row-major {@code rows x cols} images of unsigned bytes, one after another. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    private IdxFiles() {
    }

    /** Reads an image file whose images must be {@code rows x cols}. */
    public static Images readImages(Path file, int rows, int cols, String fix) {
        try (DataInputStream in = open(file, fix)) {
            int magic = header(in, file, fix, "magic number");
            if (magic != IMAGES_MAGIC)
                throw bad(file, "magic number " + hex(magic) + (magic == LABELS_MAGIC ? " (a label file)" : "")
                        + " where an IDX image file has " + hex(IMAGES_MAGIC), fix);
            int count = header(in, file, fix, "image count");
            int r = header(in, file, fix, "row count");
            int c = header(in, file, fix, "column count");
            if (count < 0) throw bad(file, "negative image count " + count + " in its header", fix);
            if (r != rows || c != cols)
                throw bad(file, "images of " + r + "x" + c + " pixels where " + rows + "x" + cols + " are expected", fix);
            long size = (long) count * rows * cols;
            if (size > Integer.MAX_VALUE - 8) throw bad(file, "header promises " + count + " images, too many to hold", fix);
            return new Images(count, rows, cols, body(in, file, (int) size, count + " images of " + rows + "x" + cols, fix));
        } catch (IOException e) {
            throw unreadable(file, e, fix);
        }
    }

    /** Reads a label file whose labels must be below {@code classes}. */
    public static byte[] readLabels(Path file, int classes, String fix) {
        try (DataInputStream in = open(file, fix)) {
            int magic = header(in, file, fix, "magic number");
            if (magic != LABELS_MAGIC)
                throw bad(file, "magic number " + hex(magic) + (magic == IMAGES_MAGIC ? " (an image file)" : "")
                        + " where an IDX label file has " + hex(LABELS_MAGIC), fix);
            int count = header(in, file, fix, "label count");
            if (count < 0) throw bad(file, "negative label count " + count + " in its header", fix);
            byte[] labels = body(in, file, count, count + " labels", fix);
            for (int i = 0; i < count; i++)
                if ((labels[i] & 0xFF) >= classes)
                    throw bad(file, "label " + (labels[i] & 0xFF) + " of item " + i + " is not a class 0.." + (classes - 1), fix);
            return labels;
        } catch (IOException e) {
            throw unreadable(file, e, fix);
        }
    }

    private static DataInputStream open(Path file, String fix) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        if (!gzip && file.getFileName().toString().endsWith(".gz")) {
            raw.close();
            throw bad(file, "is named .gz but is not gzip-compressed", fix);
        }
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }

    private static int header(DataInputStream in, Path file, String fix, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw bad(file, "truncated: the file ends inside its header, before the " + what, fix);
        }
    }

    /** Exactly {@code size} bytes, the body the header promised; read in steps so a lying header allocates little. */
    private static byte[] body(DataInputStream in, Path file, int size, String promised, String fix) throws IOException {
        byte[] out = new byte[Math.min(size, 1 << 26)];
        int got = 0;
        while (got < size) {
            if (got == out.length) out = Arrays.copyOf(out, (int) Math.min(size, 2L * out.length));
            int k;
            try {
                k = in.read(out, got, out.length - got);
            } catch (EOFException e) { // a gzip stream cut short
                k = -1;
            }
            if (k < 0)
                throw bad(file, "truncated: its header promises " + promised + " (" + size + " bytes after the header) but it ends after "
                        + got, fix);
            got += k;
        }
        return out;
    }

    private static DataFormatException unreadable(Path file, IOException e, String fix) {
        if (e instanceof NoSuchFileException) return bad(file, "file not found", fix);
        if (e instanceof AccessDeniedException) return bad(file, "cannot be read (permission denied)", fix);
        if (e instanceof ZipException) return bad(file, "is damaged (gzip: " + e.getMessage() + ")", fix);
        return bad(file, "cannot be read (" + e.getMessage() + ")", fix);
    }

    private static DataFormatException bad(Path file, String problem, String fix) {
        return new DataFormatException(file, 0, problem + "; " + fix);
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
