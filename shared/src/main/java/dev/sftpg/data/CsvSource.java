package dev.sftpg.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A user's own point cloud from a CSV file, so the same training and metrics run on real data as on the toys.
 *
 * <p>Format: one point per line, comma-separated numbers, the same number of columns (&ge; 1) on every line. Blank
 * lines and lines starting with {@code #} are skipped. The first remaining line is taken as a header when any of its
 * fields is not a number (so a header of numbers is read as data). NaN, infinities and values beyond the float range
 * are rejected rather than silently poisoning training. The whole file is read and checked when the source is built,
 * so a bad file fails at startup with its path and line, not hours into a run.
 *
 * <p>{@link #sample} draws rows uniformly with replacement, which makes the file behave like the empirical
 * distribution it represents; {@link #all} gives every row in file order.
 */
public final class CsvSource implements DataSource {

    private final Path file;
    private final Samples rows;

    private CsvSource(Path file, Samples rows) {
        this.file = file;
        this.rows = rows;
    }

    /** Reads and validates the whole file; throws {@link DataFormatException} naming the file and line on any problem. */
    public static CsvSource load(Path file) {
        Path shown = file.toAbsolutePath().normalize();
        if (Files.isDirectory(shown))
            throw new DataFormatException(shown, 0, "is a directory, not a CSV file (check data.path)");
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new CsvSource(shown, parse(in, shown));
        } catch (NoSuchFileException e) {
            throw new DataFormatException(shown, 0, "file not found (check data.path)", e);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new DataFormatException(shown, 0, "is not UTF-8 text (a binary or differently encoded file?); "
                    + "save it as UTF-8 CSV or point data.path at another file", e);
        } catch (IOException e) {
            throw new DataFormatException(shown, 0, "cannot be read ("
                    + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage())
                    + "); check data.path and the file's permissions", e);
        }
    }

    private static Samples parse(BufferedReader in, Path file) throws IOException {
        int dim = -1;
        int count = 0;
        float[] values = new float[1 << 16];
        boolean headerAllowed = true;
        int lineNo = 0;
        double[] row = new double[8];
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1); // UTF-8 BOM
            String s = line.strip();
            if (s.isEmpty() || s.charAt(0) == '#') continue;
            int fields = countFields(s);
            if (fields > row.length) row = new double[fields];
            int bad = parseFields(s, row);
            if (bad >= 0) {
                if (headerAllowed) { // first content line with a non-number: a header
                    headerAllowed = false;
                    continue;
                }
                String field = s.split(",", -1)[bad].strip();
                throw new DataFormatException(file, lineNo, field.isEmpty()
                        ? "empty field in column " + (bad + 1)
                        : "non-numeric field \"" + field + "\" in column " + (bad + 1));
            }
            headerAllowed = false;
            if (dim < 0) dim = fields;
            else if (fields != dim)
                throw new DataFormatException(file, lineNo,
                        "wrong number of columns: expected " + dim + ", got " + fields);
            for (int j = 0; j < fields; j++) {
                double d = row[j];
                if (!Double.isFinite(d))
                    throw new DataFormatException(file, lineNo, "non-finite value " + d + " in column " + (j + 1));
                if (Float.isInfinite((float) d))
                    throw new DataFormatException(file, lineNo,
                            "value " + d + " in column " + (j + 1) + " is outside the float range");
            }
            if ((long) (count + 1) * dim > Integer.MAX_VALUE - 8)
                throw new DataFormatException(file, lineNo, "too many values for one array");
            if ((count + 1) * dim > values.length)
                values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) values.length * 2, (long) (count + 1) * dim)));
            for (int j = 0; j < dim; j++) values[count * dim + j] = (float) row[j];
            count++;
        }
        if (count == 0)
            throw new DataFormatException(file, 0,
                    "no data rows (" + (lineNo == 0 ? "the file is empty" : "only a header, comments or blank lines")
                            + "); put one point per line, e.g. 0.5,-1.2, or point data.path at another file");
        return new Samples(count, dim, Arrays.copyOf(values, count * dim));
    }

    private static int countFields(String s) {
        int n = 1;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == ',') n++;
        return n;
    }

    /** Parses every field into {@code out}; returns the 0-based index of the first non-number, or -1. */
    private static int parseFields(String s, double[] out) {
        int start = 0;
        for (int j = 0; ; j++) {
            int end = s.indexOf(',', start);
            String f = (end < 0 ? s.substring(start) : s.substring(start, end)).strip();
            if (f.isEmpty()) return j;
            try {
                out[j] = Double.parseDouble(f);
            } catch (NumberFormatException e) {
                return j;
            }
            if (end < 0) return -1;
            start = end + 1;
        }
    }

    /** The file as given to {@link #load}, made absolute. */
    public Path file() {
        return file;
    }

    /** Number of data rows in the file. */
    public int size() {
        return rows.n();
    }

    /** Every row in file order (a copy, so callers may modify it). */
    public Samples all() {
        return new Samples(rows.n(), rows.dim(), rows.values().clone());
    }

    @Override
    public String name() {
        return "csv";
    }

    @Override
    public SampleShape shape() {
        return rows.shape();
    }

    @Override
    public Samples sample(int n, long seed) {
        return rows.resample(n, seed);
    }

    @Override
    public String toString() {
        return "csv(" + file + ", " + rows.n() + "x" + rows.dim() + ")";
    }
}
