package dev.sftpg.data;

import dev.sftpg.config.ConfigException;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.task.Task;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.sftpg.data.IdxFilesTest.gzip;
import static dev.sftpg.data.IdxFilesTest.idx;
import static dev.sftpg.data.IdxFilesTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fashion-MNIST from synthetic IDX files in the real layout (28x28, labels 0..9): scaling, class subsets, draws and
 * every kind of missing or damaged file; and, when Debian's package is installed, the real files.
 */
class FashionMnistTest {
    private static final int TRAIN = 40, TEST = 20, PX = 28 * 28;
    private static final String INSTALL = "apt-get install dataset-fashion-mnist";
    private static final String SET_PATH = "set data.path to a folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz";
    private static final String REINSTALL = "apt-get install --reinstall dataset-fashion-mnist";

    @TempDir
    Path dir;

    private static byte[] labels(int count, int shift) {
        byte[] l = new byte[count];
        for (int i = 0; i < count; i++) l[i] = (byte) ((i + shift) % 10);
        return l;
    }

    /** A folder of the four files: training image i has label i % 10, test image i label (i + 3) % 10. */
    private Path folder(String name, boolean gz) throws IOException {
        Path f = Files.createDirectories(dir.resolve(name));
        write(f, "train-images-idx3-ubyte", gz, idx(IdxFiles.IMAGES_MAGIC, new int[]{TRAIN, 28, 28}, pixels(TRAIN, 28, 28)));
        write(f, "train-labels-idx1-ubyte", gz, idx(IdxFiles.LABELS_MAGIC, new int[]{TRAIN}, labels(TRAIN, 0)));
        write(f, "t10k-images-idx3-ubyte", gz, idx(IdxFiles.IMAGES_MAGIC, new int[]{TEST, 28, 28}, pixels(TEST, 28, 28)));
        write(f, "t10k-labels-idx1-ubyte", gz, idx(IdxFiles.LABELS_MAGIC, new int[]{TEST}, labels(TEST, 3)));
        return f;
    }

    private static Path write(Path folder, String name, boolean gz, byte[] bytes) throws IOException {
        return Files.write(folder.resolve(gz ? name + ".gz" : name), gz ? gzip(bytes) : bytes);
    }

    private static float scaled(int pixel) {
        return (float) (pixel / 127.5 - 1);
    }

    @Test
    void readsImagesScaledToPlusMinusOne() throws IOException {
        FashionMnist f = FashionMnist.load(folder("gz", true), null);
        assertEquals("fashion-mnist", f.name());
        assertEquals(SampleShape.image(1, 28, 28), f.shape());
        Samples train = f.trainingSet(5, 0);
        assertEquals(TRAIN, train.n());
        assertEquals(TEST, f.testSet().n());
        assertEquals(-1f, train.get(0, 0)); // pixel 0 -> -1
        assertEquals(1f, train.get(0, 255)); // pixel 255 -> 1
        assertEquals(scaled(51), train.get(0, 51));
        assertEquals(-0.6f, train.get(0, 51), 1e-6f);
        assertEquals(scaled((7 * 31 + 100) % 256), train.get(7, 100));
        for (float v : train.values()) assertTrue(v >= -1f && v <= 1f, "value " + v);
        assertArrayEquals(labels(TRAIN, 0), toBytes(f.trainingLabels()));
        assertArrayEquals(labels(TEST, 3), toBytes(f.testLabels()));
        assertTrue(f.toString().contains("all ten classes: 40 training + 20 test images of [1, 28, 28]"), f.toString());
    }

    @Test
    void readsUncompressedFilesAsTheGzippedOnes() throws IOException {
        FashionMnist gz = FashionMnist.load(folder("gz", true), null), plain = FashionMnist.load(folder("plain", false), null);
        assertArrayEquals(gz.trainingSet(0, 0).values(), plain.trainingSet(0, 0).values());
        assertArrayEquals(gz.testSet().values(), plain.testSet().values());
    }

    @Test
    void keepsOnlyTheChosenClassesInFileOrder() throws IOException {
        FashionMnist f = FashionMnist.load(folder("gz", true), new int[]{7, 0});
        assertArrayEquals(new int[]{0, 7}, f.classes());
        assertArrayEquals(new int[]{0, 7, 0, 7, 0, 7, 0, 7}, f.trainingLabels());
        Samples train = f.trainingSet(0, 0);
        assertEquals(8, train.n());
        int[] fileIndex = {0, 7, 10, 17, 20, 27, 30, 37};
        for (int k = 0; k < fileIndex.length; k++)
            assertEquals(scaled((fileIndex[k] * 31 + 3) % 256), train.get(k, 3), "image " + k);
        assertArrayEquals(new int[]{7, 0, 7, 0}, f.testLabels()); // test image i has label (i + 3) % 10: 4, 7, 14, 17
        assertEquals(scaled((4 * 31) % 256), f.testSet().get(0, 0));
        assertTrue(f.toString().contains("classes 0 T-shirt/top, 7 Sneaker: 8 training + 4 test images"), f.toString());

        DataFormatException e = assertThrows(DataFormatException.class, () -> {
            Path one = folder("one", true);
            write(one, "t10k-labels-idx1-ubyte", true, idx(IdxFiles.LABELS_MAGIC, new int[]{TEST}, new byte[TEST]));
            FashionMnist.load(one, new int[]{5});
        });
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz: holds no image of class(es) 5 Sandal; choose other classes "
                + "in data.classes"), e.getMessage());
    }

    @Test
    void drawsAreReproducibleTrainingImages() throws IOException {
        FashionMnist f = FashionMnist.load(folder("gz", true), null);
        Samples a = f.sample(500, 42);
        assertEquals(SampleShape.image(1, 28, 28), a.shape());
        assertArrayEquals(a.values(), f.sample(500, 42).values());
        assertFalse(Arrays.equals(a.values(), f.sample(500, 43).values()));
        Set<List<Float>> train = rows(f.trainingSet(0, 0)), drawn = rows(a);
        assertTrue(train.containsAll(drawn), "every draw is a whole training image");
        assertEquals(TRAIN, drawn.size(), "500 draws with replacement meet all 40 images");
        assertEquals(0, f.sample(0, 1).n());
        assertEquals(TRAIN, f.trainingSet(10_000, 5).n(), "the training part whatever the size asked");
    }

    @Test
    void evaluationDrawsComeFromTheTestImagesAndTheFullSizeIsTheTestSetInOrder() throws IOException {
        FashionMnist f = FashionMnist.load(folder("gz", true), null);
        for (long seed : new long[]{0, 1, 1_000_003})
            assertArrayEquals(f.testSet().values(), f.evaluationSample(TEST, seed).values());
        Samples some = f.evaluationSample(300, 9);
        assertArrayEquals(some.values(), f.evaluationSample(300, 9).values());
        Set<List<Float>> test = rows(f.testSet());
        assertTrue(test.containsAll(rows(some)));
        assertEquals(TEST, rows(some).size());
        assertNotEquals(rows(f.trainingSet(0, 0)), test);
    }

    @Test
    void readsAFolderOnceAndAgainWhenAFileChanges() throws IOException {
        Path f = folder("gz", true);
        FashionMnist first = FashionMnist.load(f, null);
        assertSame(first, FashionMnist.load(f.resolve("..").resolve("gz"), new int[0]));
        assertSame(first, DataSources.create("fashion-mnist", Map.of("path", f.toString(), "classes", "")));
        write(f, "t10k-labels-idx1-ubyte", true, idx(IdxFiles.LABELS_MAGIC, new int[]{TEST + 1}, labels(TEST + 1, 3)));
        DataFormatException e = assertThrows(DataFormatException.class, () -> FashionMnist.load(f, null));
        assertTrue(e.getMessage().contains("holds 20 images but t10k-labels-idx1-ubyte.gz holds 21 labels"), e.getMessage());
        write(f, "t10k-labels-idx1-ubyte", true, idx(IdxFiles.LABELS_MAGIC, new int[]{TEST}, labels(TEST, 4)));
        assertArrayEquals(labels(TEST, 4), toBytes(FashionMnist.load(f, null).testLabels()));
    }

    @Test
    void isBuiltFromConfigurationAsAnImageTask() throws IOException {
        Path f = folder("gz", true);
        FashionMnist s = (FashionMnist) DataSources.create("fashion-mnist", Map.of("path", f.toString(), "classes", "9, 0"));
        assertArrayEquals(new int[]{0, 9}, s.classes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.create("fashion-mnist", Map.of("path", f.toString(), "imageSize", 28)));
        assertTrue(e.getMessage().contains("does not take parameter(s) [imageSize]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.create("fashion-mnist", Map.of("classes", "3,3")));
        assertTrue(e.getMessage().contains("parameter classes: '3,3' names class 3 (Dress) twice"), e.getMessage());

        Task task = Task.of(ConfigLoader.load(null, List.of("data.source=fashion-mnist", "data.path=" + f, "data.classes=0,7,9"),
                Map.of()));
        assertTrue(task.isImage());
        assertEquals(SampleShape.image(1, 28, 28), task.shape());
        assertEquals(List.of("fid", "swd"), task.metrics().names());
        assertArrayEquals(new int[]{0, 7, 9}, ((FashionMnist) task.data()).classes());
    }

    @Test
    void parsesClassListsAndExplainsBadOnes() {
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, FashionMnist.parseClasses(" "));
        assertArrayEquals(new int[]{0, 7, 9}, FashionMnist.parseClasses("9, 0 ,7"));
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
        assertEquals("Ankle boot", FashionMnist.CLASS_NAMES.get(9));
        assertEquals("0 T-shirt/top, 8 Bag", FashionMnist.classList(new int[]{0, 8}));
        assertClasses("0,10", "'0,10' names class 10, but the classes are 0..9 (0 T-shirt/top, 1 Trouser", "e.g. 0,7,9");
        assertClasses("-1", "names class -1", "e.g. 0,7,9");
        assertClasses("1,7,1", "'1,7,1' names class 1 (Trouser) twice", "give each class once");
        assertClasses("0,,7", "(\"\" is not a number)", "e.g. 0,7,9");
        assertClasses("shirt", "(\"shirt\" is not a number)", "leave it empty for all ten");
    }

    private static void assertClasses(String spec, String... says) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.parseClasses(spec));
        for (String s : says) assertTrue(e.getMessage().contains(s), () -> "expected \"" + s + "\" in: " + e.getMessage());
        ConfigException c = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                List.of("data.source=fashion-mnist", "data.classes=" + spec), Map.of()));
        assertTrue(c.getMessage().contains("config key 'data.classes': " + e.getMessage()), c.getMessage());
    }

    @Test
    void classesAreRefusedForOtherSources() {
        ConfigException c = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, List.of("data.classes=0,7"), Map.of()));
        assertTrue(c.getMessage().contains("config key 'data.classes': only data.source=fashion-mnist has classes, not swissroll; "
                + "leave data.classes empty or set data.source=fashion-mnist"), c.getMessage());
    }

    // ---- missing and damaged files

    @Test
    void missingFolderOrFileSaysHowToGetThem() throws IOException {
        Path nowhere = dir.resolve("nowhere");
        DataFormatException e = assertThrows(DataFormatException.class, () -> FashionMnist.load(nowhere, null));
        assertEquals(nowhere.resolve("train-images-idx3-ubyte.gz"), e.file());
        assertMessage(e, nowhere.resolve("train-images-idx3-ubyte.gz"), "not found (there is no folder " + nowhere + ")", INSTALL, SET_PATH);

        Path partial = folder("partial", true);
        Files.delete(partial.resolve("t10k-labels-idx1-ubyte.gz"));
        e = assertThrows(DataFormatException.class, () -> FashionMnist.load(partial, null));
        assertMessage(e, partial.resolve("t10k-labels-idx1-ubyte.gz"),
                "not found (neither t10k-labels-idx1-ubyte.gz nor t10k-labels-idx1-ubyte is in " + partial + ")", INSTALL, SET_PATH);

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        e = assertThrows(DataFormatException.class, () -> FashionMnist.load(file, null));
        assertMessage(e, file.resolve("train-images-idx3-ubyte.gz"), "not found (" + file + " is a file, not a folder)", INSTALL);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(DataFormatException.class, () -> DataSources.create("fashion-mnist", Map.of("path", empty.toString())));
        assertMessage(e, empty.resolve("train-images-idx3-ubyte.gz"), "not found", INSTALL, SET_PATH);
    }

    @Test
    void damagedFilesAreRefusedWithTheFileTheProblemAndTheFix() throws IOException {
        Path f = folder("bad-magic", true);
        write(f, "train-images-idx3-ubyte", true, idx(IdxFiles.LABELS_MAGIC, new int[]{TRAIN}, labels(TRAIN, 0)));
        assertDamaged(f, "train-images-idx3-ubyte.gz", "magic number 0x00000801 (a label file) where an IDX image file has 0x00000803");

        f = folder("bad-label-magic", false);
        write(f, "t10k-labels-idx1-ubyte", false, idx(0x12345678, new int[]{TEST}, labels(TEST, 0)));
        assertDamaged(f, "t10k-labels-idx1-ubyte", "magic number 0x12345678 where an IDX label file has 0x00000801");

        f = folder("truncated", true);
        byte[] whole = idx(IdxFiles.IMAGES_MAGIC, new int[]{TRAIN, 28, 28}, pixels(TRAIN, 28, 28));
        write(f, "train-images-idx3-ubyte", true, Arrays.copyOf(whole, whole.length - 100));
        assertDamaged(f, "train-images-idx3-ubyte.gz", "truncated: its header promises 40 images of 28x28 (31360 bytes after the header) "
                + "but it ends after 31260");

        f = folder("cut-gzip", true);
        byte[] gz = Files.readAllBytes(f.resolve("t10k-images-idx3-ubyte.gz"));
        Files.write(f.resolve("t10k-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertDamaged(f, "t10k-images-idx3-ubyte.gz", "truncated");

        f = folder("mnist-of-another-size", true);
        write(f, "t10k-images-idx3-ubyte", true, idx(IdxFiles.IMAGES_MAGIC, new int[]{TEST, 32, 32}, pixels(TEST, 32, 32)));
        assertDamaged(f, "t10k-images-idx3-ubyte.gz", "images of 32x32 pixels where 28x28 are expected");

        f = folder("counts", true);
        write(f, "train-labels-idx1-ubyte", true, idx(IdxFiles.LABELS_MAGIC, new int[]{TRAIN - 1}, labels(TRAIN - 1, 0)));
        assertDamaged(f, "train-images-idx3-ubyte.gz", "holds 40 images but train-labels-idx1-ubyte.gz holds 39 labels");

        f = folder("label-ten", true);
        byte[] l = labels(TRAIN, 0);
        l[13] = 10;
        write(f, "train-labels-idx1-ubyte", true, idx(IdxFiles.LABELS_MAGIC, new int[]{TRAIN}, l));
        assertDamaged(f, "train-labels-idx1-ubyte.gz", "label 10 of item 13 is not a class 0..9");

        f = folder("not-gzip", false);
        Files.move(f.resolve("train-labels-idx1-ubyte"), f.resolve("train-labels-idx1-ubyte.gz"));
        assertDamaged(f, "train-labels-idx1-ubyte.gz", "is named .gz but is not gzip-compressed");
    }

    private static void assertDamaged(Path folder, String file, String problem) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> FashionMnist.load(folder, null));
        assertMessage(e, folder.resolve(file), problem, REINSTALL, "set data.path to a folder holding intact copies");
    }

    private static void assertMessage(DataFormatException e, Path file, String... says) {
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith("data file " + file + ": "), e.getMessage());
        for (String s : says) assertTrue(e.getMessage().contains(s), () -> "expected \"" + s + "\" in: " + e.getMessage());
    }

    // ---- the real files

    @Test
    void readsDebiansFashionMnist() {
        Path folder = FashionMnist.DEFAULT_FOLDER;
        Assumptions.assumeTrue(Files.isRegularFile(folder.resolve("train-images-idx3-ubyte.gz")),
                "Debian's package dataset-fashion-mnist is not installed (no " + folder + "); apt-get install dataset-fashion-mnist");
        long t0 = System.nanoTime();
        FashionMnist f = FashionMnist.load(null, null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[fashion-mnist] %s read in %.2f s%n", f, seconds);
        assertEquals(60_000, f.trainingSet(0, 0).n());
        assertEquals(10_000, f.testSet().n());
        assertEquals(9, f.trainingLabels()[0]);
        assertEquals("Ankle boot", FashionMnist.CLASS_NAMES.get(f.trainingLabels()[0]));
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : f.trainingSet(0, 0).values()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(-1f, min);
        assertEquals(1f, max);
        assertArrayEquals(f.testSet().values(), f.evaluationSample(10_000, 3).values());
        assertEquals(6_000, FashionMnist.load(null, new int[]{9}).trainingSet(0, 0).n());
    }

    private static Set<List<Float>> rows(Samples s) {
        Set<List<Float>> out = new HashSet<>();
        for (int i = 0; i < s.n(); i++) {
            Float[] r = new Float[s.dim()];
            for (int j = 0; j < r.length; j++) r[j] = s.get(i, j);
            out.add(List.of(r));
        }
        return out;
    }

    private static byte[] toBytes(int[] labels) {
        byte[] b = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) b[i] = (byte) labels[i];
        return b;
    }
}
