package dev.sftpg.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file's rows are split into training and evaluation parts that never share a row. */
class SplitFileSourceTest {
    @TempDir
    Path dir;

    private Path csv(String name, int from, int count) throws IOException {
        StringBuilder b = new StringBuilder("x,y\n");
        for (int i = from; i < from + count; i++) b.append(i).append(',').append(i * 0.5).append('\n');
        return Files.writeString(dir.resolve(name), b.toString());
    }

    private static Set<Float> firstColumn(Samples p) {
        Set<Float> s = new HashSet<>();
        for (int i = 0; i < p.n(); i++) s.add(p.get(i, 0));
        return s;
    }

    @Test
    void heldOutRowsAreNeverTrainingRows() throws IOException {
        Samples rows = CsvSource.load(csv("a.csv", 0, 1000)).all();
        SplitFileSource s = SplitFileSource.heldOut("csv", dir.resolve("a.csv"), rows, 0.2, 7);
        Set<Float> train = firstColumn(s.trainingSet(0, 0)), eval = firstColumn(s.evaluationSet());
        assertEquals(800, train.size());
        assertEquals(200, eval.size());
        eval.forEach(v -> assertTrue(!train.contains(v), "row " + v + " is in both parts"));
        // draws come from their own part only
        firstColumn(s.sample(5000, 1)).forEach(v -> assertTrue(train.contains(v)));
        firstColumn(s.evaluationSample(5000, 1)).forEach(v -> assertTrue(eval.contains(v)));
        // the split is a function of the seed
        assertEquals(eval, firstColumn(SplitFileSource.heldOut("csv", dir, rows, 0.2, 7).evaluationSet()));
        assertNotEquals(eval, firstColumn(SplitFileSource.heldOut("csv", dir, rows, 0.2, 8).evaluationSet()));
    }

    @Test
    void aSecondFileIsTheEvaluationSet() throws IOException {
        DataSource s = DataSources.create("csv", Map.of("path", csv("t.csv", 0, 300).toString(),
                "evalPath", csv("e.csv", 1000, 100).toString()));
        assertEquals(300, s.trainingSet(0, 0).n());
        firstColumn(s.evaluationSample(1000, 3)).forEach(v -> assertTrue(v >= 1000));
    }

    @Test
    void refusesWhatCannotBeEvaluated() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.create("csv", Map.of("path", csv("small.csv", 0, 60).toString())));
        assertTrue(e.getMessage().contains("small.csv has 60 rows") && e.getMessage().contains("data.evalPath"), e.getMessage());
        Path same = csv("same.csv", 0, 200);
        e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.create("csv", Map.of("path", same.toString(), "evalPath", same.toString())));
        assertTrue(e.getMessage().contains("repeats 200 of its 200 rows"), e.getMessage());
        Path wide = Files.writeString(dir.resolve("wide.csv"), "1,2,3\n".repeat(100));
        e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.create("csv", Map.of("path", same.toString(), "evalPath", wide.toString())));
        assertTrue(e.getMessage().contains("shape [3]") && e.getMessage().contains("[2]"), e.getMessage());
    }
}
