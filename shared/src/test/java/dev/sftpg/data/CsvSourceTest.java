package dev.sftpg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void readsPlainRows() throws IOException {
        CsvSource s = CsvSource.load(write("plain.csv", "0.5,1\n-2,3e-1\n4,  5 \n"));
        assertEquals("csv", s.name());
        assertEquals(2, s.dim());
        assertEquals(3, s.size());
        assertArrayEquals(new float[] {0.5f, 1f, -2f, 0.3f, 4f, 5f}, s.all().values());
    }

    @Test
    void skipsHeaderCommentsAndBlankLines() throws IOException {
        CsvSource s = CsvSource.load(write("header.csv",
                "# exported by hand\n\nx,y,z\n# a comment\n1,2,3\n\n   \n4,5,6\r\n#end\n"));
        assertEquals(3, s.dim());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, s.all().values());
        CsvSource one = CsvSource.load(write("onecol.csv", "value\n1\n2\n"));
        assertEquals(1, one.dim());
        assertEquals(2, one.size());
    }

    @Test
    void samplesRowsWithReplacementReproducibly() throws IOException {
        CsvSource s = CsvSource.load(write("rows.csv", "0,0\n1,10\n2,20\n3,30\n"));
        Samples a = s.sample(500, 42);
        assertArrayEquals(a.values(), s.sample(500, 42).values());
        Set<Float> seen = new HashSet<>();
        for (int i = 0; i < a.n(); i++) {
            assertEquals(a.get(i, 0) * 10, a.get(i, 1)); // whole rows are drawn, never mixed
            seen.add(a.get(i, 0));
        }
        assertEquals(4, seen.size());
        assertTrue(!java.util.Arrays.equals(a.values(), s.sample(500, 43).values()));
    }

    @Test
    void factoryLoadsCsvFromPathAndHoldsOutATenth() throws IOException {
        StringBuilder rows = new StringBuilder("x,y,z\n");
        for (int i = 0; i < 1000; i++) rows.append(i).append(',').append(i * 2).append(',').append(-i).append('\n');
        DataSource s = DataSources.create("csv", Map.of("path", write("f.csv", rows.toString()).toString()));
        assertEquals(SampleShape.vector(3), s.shape());
        assertEquals(900, s.trainingSet(10, 0).n());
        assertEquals(100, ((SplitFileSource) s).evaluationSet().n());
    }

    @Test
    void nonNumericFieldNamesFileLineAndColumn() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("bad.csv", "x,y\n1,2\n# note\n3,abc\n")));
        assertMessage(e, "bad.csv", 4, "non-numeric field \"abc\" in column 2");
    }

    @Test
    void wrongColumnCountNamesLine() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("cols.csv", "1,2\n\n3,4,5\n")));
        assertMessage(e, "cols.csv", 3, "wrong number of columns: expected 2, got 3");
    }

    @Test
    void emptyFieldNamesLine() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("empty-field.csv", "1,2\n3,\n")));
        assertMessage(e, "empty-field.csv", 2, "empty field in column 2");
    }

    @Test
    void nonFiniteValuesAreRejected() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("nan.csv", "1,2\n3,NaN\n")));
        assertMessage(e, "nan.csv", 2, "non-finite");
        e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("inf.csv", "x,y\n1,2\n3,4\n-Infinity,5\n")));
        assertMessage(e, "inf.csv", 4, "non-finite");
        e = assertThrows(DataFormatException.class, () -> CsvSource.load(write("big.csv", "1,1e39\n")));
        assertMessage(e, "big.csv", 1, "float range");
    }

    @Test
    void fileWithoutDataRowsIsRejected() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("none.csv", "")));
        assertTrue(e.getMessage().contains("none.csv") && e.getMessage().contains("no data rows"), e.getMessage());
        assertEquals(0, e.line());
        e = assertThrows(DataFormatException.class,
                () -> CsvSource.load(write("header-only.csv", "# c\nx,y\n\n")));
        assertTrue(e.getMessage().contains("header-only.csv") && e.getMessage().contains("no data rows"),
                e.getMessage());
    }

    @Test
    void missingFileNamesPathAndConfigKey() {
        Path missing = dir.resolve("nowhere").resolve("points.csv");
        DataFormatException e = assertThrows(DataFormatException.class, () -> CsvSource.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("data.path"), e.getMessage());
        e = assertThrows(DataFormatException.class, () -> CsvSource.load(dir));
        assertTrue(e.getMessage().contains("data.path"), e.getMessage());
    }

    @Test
    void loadsAMillionRowsQuickly() throws IOException {
        Path f = dir.resolve("million.csv");
        try (BufferedWriter w = Files.newBufferedWriter(f)) {
            w.write("x,y\n");
            for (int i = 0; i < 1_000_000; i++) {
                w.write(Integer.toString(i));
                w.write(",0.");
                w.write(Integer.toString(i % 1000));
                w.write('\n');
            }
        }
        long t0 = System.nanoTime();
        CsvSource s = CsvSource.load(f);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1_000_000, s.size());
        assertEquals(999_999f, s.all().get(999_999, 0));
        assertTrue(seconds < 5, "loading 1e6 rows took " + seconds + " s");
    }

    private static void assertMessage(DataFormatException e, String file, int line, String what) {
        String m = e.getMessage();
        assertTrue(m.contains(file), m);
        assertTrue(m.contains("line " + line + ":"), m);
        assertTrue(m.contains(what), m);
        assertEquals(line, e.line());
        assertTrue(e.file().endsWith(file));
    }
}
