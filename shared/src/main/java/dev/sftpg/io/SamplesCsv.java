package dev.sftpg.io;

import dev.sftpg.data.Samples;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Point clouds as CSV, for people and tools outside the JVM (pandas, numpy, spreadsheets) to inspect samples.
 *
 * <p>Header {@code x,y} for 2-D clouds, {@code x0,x1,...} otherwise; one point per line; values written with
 * {@link Float#toString(float)}, which round-trips every float exactly (including {@code -0.0}, {@code NaN},
 * {@code Infinity}, which numpy and pandas both parse), so a CSV can serve as a lossless export.
 */
public final class SamplesCsv {

    private SamplesCsv() {
    }

    /** The header line (without newline) used for clouds of dimension {@code dim}. */
    public static String header(int dim) {
        if (dim == 2) return "x,y";
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < dim; j++) {
            if (j > 0) sb.append(',');
            sb.append('x').append(j);
        }
        return sb.toString();
    }

    /** Writes {@code points} to {@code out} atomically (parents created, old file kept if anything fails). */
    public static void write(Path out, Samples points) throws IOException {
        AtomicFiles.write(out, os -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
            writeTo(w, points);
            w.flush();
        });
    }

    /** The CSV text for {@code points}; handy for small clouds and HTTP responses. */
    public static String toCsv(Samples points) {
        StringBuilder sb = new StringBuilder();
        try {
            writeTo(sb, points);
        } catch (IOException e) {
            throw new AssertionError("StringBuilder does not throw", e);
        }
        return sb.toString();
    }

    private static void writeTo(Appendable w, Samples p) throws IOException {
        w.append(header(p.dim())).append('\n');
        float[] v = p.values();
        int dim = p.dim();
        StringBuilder line = new StringBuilder(16 * dim);
        for (int i = 0; i < p.n(); i++) {
            line.setLength(0);
            for (int j = 0; j < dim; j++) {
                if (j > 0) line.append(',');
                line.append(v[i * dim + j]);
            }
            w.append(line).append('\n');
        }
    }

    /**
     * Reads a file written by {@link #write}; the dimension comes from the header's column count. Blank lines are
     * skipped. Malformed content throws {@link IOException} naming the file and line.
     */
    public static Samples read(Path in) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || header.isBlank()) throw new IOException(in + ": empty CSV, expected a header like x,y");
            int dim = header.split(",", -1).length;
            float[] values = new float[Math.max(16, dim * 1024)];
            int count = 0;
            int lineNo = 1;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (cells.length != dim) {
                    throw new IOException(in + ":" + lineNo + ": expected " + dim + " values, found " + cells.length);
                }
                if (count + dim > values.length) values = Arrays.copyOf(values, Math.max(values.length * 2, count + dim));
                for (String cell : cells) {
                    try {
                        values[count++] = Float.parseFloat(cell.strip());
                    } catch (NumberFormatException e) {
                        throw new IOException(in + ":" + lineNo + ": not a number: '" + cell + "'", e);
                    }
                }
            }
            return new Samples(count / dim, dim, Arrays.copyOf(values, count));
        }
    }
}
