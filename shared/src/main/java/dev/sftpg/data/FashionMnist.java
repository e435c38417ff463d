package dev.sftpg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Fashion-MNIST (Zalando's 70,000 grey 28x28 images of ten kinds of clothing) as a data source, read from the four IDX
 * files of Debian's package {@code dataset-fashion-mnist} or any folder holding them, gzipped or not. Pixels are
 * scaled from 0..255 to [-1, 1] as {@code x / 127.5 - 1}.
 *
 * <p>Training draws come from the 60,000 training images, evaluation draws from the 10,000 test images, both
 * restricted to the chosen classes (all ten by default) and kept in file order. Draws resample a part uniformly with
 * replacement ({@link Samples#resample}); an evaluation draw of exactly the test part's size is the test part itself
 * in file order, so scores against "the 10,000 test images" are computed against exactly those. The files are read
 * once per process and folder (and again only when one of them changes): every role of a run shares one copy.
 */
public final class FashionMnist implements DataSource {
    /** Where Debian's {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_FOLDER = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String PACKAGE = "dataset-fashion-mnist";
    public static final int SIDE = 28;
    /** The class names, by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** The four files, without {@code .gz} (either name is read). */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private static final String REPLACE = "reinstall the package (apt-get install --reinstall " + PACKAGE
            + ") or set data.path to a folder holding intact copies";
    private static final float[] SCALE = new float[256];

    static {
        for (int i = 0; i < 256; i++) SCALE[i] = (float) (i / 127.5 - 1);
    }

    /** The files of one folder as read: unsigned pixels and labels, shared by every class subset. */
    private record Raw(IdxFiles.Images trainImages, byte[] trainLabels, IdxFiles.Images testImages, byte[] testLabels) {
    }

    /** The four files' paths, sizes and modification times: a changed file is read again. */
    private record Stamp(List<Path> files, List<Long> sizes, List<Long> modified) {
    }

    /** One class subset of one version of the files. */
    private record Key(Stamp stamp, List<Integer> classes) {
    }

    /** Images of the kept classes, in file order, with their labels. */
    private record Part(Samples images, int[] labels) {
    }

    private static final Map<Stamp, Raw> RAW = new HashMap<>();
    private static final Map<Key, FashionMnist> LOADED = new HashMap<>();

    private final Path folder;
    private final int[] classes;
    private final Samples train, test;
    private final int[] trainLabels, testLabels;

    private FashionMnist(Path folder, int[] classes, Samples train, int[] trainLabels, Samples test, int[] testLabels) {
        this.folder = folder;
        this.classes = classes;
        this.train = train;
        this.trainLabels = trainLabels;
        this.test = test;
        this.testLabels = testLabels;
    }

    /**
     * The data set of {@code folder} ({@link #DEFAULT_FOLDER} when null), restricted to {@code classes} (distinct
     * labels 0..9, any order; empty means all ten). Read once per process; throws {@link DataFormatException} naming
     * the file, the problem and the fix when a file is missing or damaged.
     */
    public static synchronized FashionMnist load(Path folder, int[] classes) {
        Path dir = (folder == null ? DEFAULT_FOLDER : folder).toAbsolutePath().normalize();
        int[] wanted = parseClasses(classes == null ? "" : Arrays.stream(classes).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        Stamp stamp = stamp(dir);
        Raw raw = RAW.get(stamp);
        if (raw == null) { // first read, or one of the files changed since: forget what was read from them
            RAW.keySet().removeIf(s -> s.files().equals(stamp.files()));
            LOADED.keySet().removeIf(k -> k.stamp().files().equals(stamp.files()));
            raw = read(stamp.files());
            RAW.put(stamp, raw);
        }
        Key key = new Key(stamp, Arrays.stream(wanted).boxed().toList());
        FashionMnist f = LOADED.get(key);
        if (f == null) {
            boolean[] keep = new boolean[CLASS_NAMES.size()];
            for (int c : wanted) keep[c] = true;
            Part train = select(raw.trainImages(), raw.trainLabels(), keep), test = select(raw.testImages(), raw.testLabels(), keep);
            if (train.labels().length == 0 || test.labels().length == 0)
                throw new DataFormatException(stamp.files().get(train.labels().length == 0 ? 0 : 2), 0, "holds no image of class(es) "
                        + classList(wanted) + "; choose other classes in data.classes, or leave it empty for all ten");
            f = new FashionMnist(dir, wanted, train.images(), train.labels(), test.images(), test.labels());
            LOADED.put(key, f);
        }
        return f;
    }

    /**
     * Parses a class list such as {@code "0,7,9"} (spaces allowed, any order) into ascending labels; blank means all
     * ten. Throws {@link IllegalArgumentException} saying what is wrong and how to write it.
     */
    public static int[] parseClasses(String spec) {
        if (spec == null || spec.isBlank()) return allClasses();
        String[] parts = spec.strip().split("\\s*,\\s*", -1);
        int[] out = new int[parts.length];
        boolean[] seen = new boolean[CLASS_NAMES.size()];
        for (int i = 0; i < parts.length; i++) {
            int c;
            try {
                c = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + spec + "' is not a comma-separated list of class numbers (\"" + parts[i].strip()
                        + "\" is not a number); give classes 0..9, e.g. 0,7,9, or leave it empty for all ten");
            }
            if (c < 0 || c >= CLASS_NAMES.size())
                throw new IllegalArgumentException("'" + spec + "' names class " + c + ", but the classes are 0..9 ("
                        + classList(allClasses()) + "); give classes 0..9, e.g. 0,7,9, or leave it empty for all ten");
            if (seen[c])
                throw new IllegalArgumentException("'" + spec + "' names class " + c + " (" + CLASS_NAMES.get(c) + ") twice; "
                        + "give each class once, e.g. 0,7,9");
            seen[c] = true;
            out[i] = c;
        }
        Arrays.sort(out);
        return out;
    }

    /** "0 T-shirt/top, 7 Sneaker": classes with their names, for logs. */
    public static String classList(int[] classes) {
        return Arrays.stream(classes).mapToObj(c -> c + " " + CLASS_NAMES.get(c)).collect(Collectors.joining(", "));
    }

    private static int[] allClasses() {
        int[] all = new int[CLASS_NAMES.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return all;
    }

    /** Each file's path (the .gz name when that exists, else the plain one), size and modification time. */
    private static Stamp stamp(Path dir) {
        List<Path> files = new ArrayList<>();
        List<Long> sizes = new ArrayList<>(), modified = new ArrayList<>();
        for (String name : FILES) {
            Path gz = dir.resolve(name + ".gz"), plain = dir.resolve(name);
            Path file = Files.isRegularFile(gz) || !Files.isRegularFile(plain) ? gz : plain;
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (IOException e) {
                throw missing(dir, file, name);
            }
            if (!a.isRegularFile()) throw missing(dir, file, name);
            files.add(file);
            sizes.add(a.size());
            modified.add(a.lastModifiedTime().toMillis());
        }
        return new Stamp(List.copyOf(files), List.copyOf(sizes), List.copyOf(modified));
    }

    private static DataFormatException missing(Path dir, Path file, String name) {
        String where = Files.isDirectory(dir) ? "neither " + name + ".gz nor " + name + " is in " + dir
                : Files.exists(dir) ? dir + " is a file, not a folder" : "there is no folder " + dir;
        return new DataFormatException(file, 0, "not found (" + where + "); install Debian's package (apt-get install " + PACKAGE
                + ") or set data.path to a folder holding " + FILES.stream().map(f -> f + ".gz").collect(Collectors.joining(", "))
                + " (gzipped or not)");
    }

    private static Raw read(List<Path> files) {
        IdxFiles.Images trainImages = IdxFiles.readImages(files.get(0), SIDE, SIDE, REPLACE);
        byte[] trainLabels = IdxFiles.readLabels(files.get(1), CLASS_NAMES.size(), REPLACE);
        IdxFiles.Images testImages = IdxFiles.readImages(files.get(2), SIDE, SIDE, REPLACE);
        byte[] testLabels = IdxFiles.readLabels(files.get(3), CLASS_NAMES.size(), REPLACE);
        agree(files.get(0), trainImages, files.get(1), trainLabels);
        agree(files.get(2), testImages, files.get(3), testLabels);
        return new Raw(trainImages, trainLabels, testImages, testLabels);
    }

    private static void agree(Path imageFile, IdxFiles.Images images, Path labelFile, byte[] labels) {
        if (images.count() != labels.length)
            throw new DataFormatException(imageFile, 0, "holds " + images.count() + " images but " + labelFile.getFileName() + " holds "
                    + labels.length + " labels: the two belong to different sets; " + REPLACE);
    }

    /** The images whose label is kept, in file order, scaled to [-1, 1], and their labels. */
    private static Part select(IdxFiles.Images images, byte[] labels, boolean[] keep) {
        int px = images.rows() * images.cols();
        int n = 0;
        for (byte l : labels) if (keep[l]) n++;
        float[] v = new float[n * px];
        int[] kept = new int[n];
        byte[] pixels = images.pixels();
        for (int i = 0, k = 0; i < labels.length; i++) {
            if (!keep[labels[i]]) continue;
            kept[k] = labels[i];
            for (int j = 0, src = i * px, dst = k * px; j < px; j++) v[dst + j] = SCALE[pixels[src + j] & 0xFF];
            k++;
        }
        return new Part(new Samples(n, SampleShape.image(1, images.rows(), images.cols()), v), kept);
    }

    @Override
    public String name() {
        return "fashion-mnist";
    }

    @Override
    public double[] valueRange() {
        return new double[]{-1, 1};
    }

    @Override
    public SampleShape shape() {
        return SampleShape.image(1, SIDE, SIDE);
    }

    /** Training images drawn uniformly with replacement. */
    @Override
    public Samples sample(int n, long seed) {
        return train.resample(n, seed);
    }

    /** Every training image of the chosen classes, in file order (shared: do not modify). */
    @Override
    public Samples trainingSet(int size, long seed) {
        return train;
    }

    /** The whole test part in file order when {@code n} is its size, else test images drawn uniformly with replacement. */
    @Override
    public Samples evaluationSample(int n, long seed) {
        return n == test.n() ? test : test.resample(n, seed);
    }

    /** Every test image of the chosen classes, in file order (shared: do not modify). */
    public Samples testSet() {
        return test;
    }

    /** The label of each training image, in {@link #trainingSet} order. */
    public int[] trainingLabels() {
        return trainLabels.clone();
    }

    /** The label of each test image, in {@link #testSet} order. */
    public int[] testLabels() {
        return testLabels.clone();
    }

    /** The classes kept, ascending. */
    public int[] classes() {
        return classes.clone();
    }

    public Path folder() {
        return folder;
    }

    @Override
    public String toString() {
        return "fashion-mnist(" + folder + ", " + (classes.length == CLASS_NAMES.size() ? "all ten classes" : "classes " + classList(classes))
                + ": " + train.n() + " training + " + test.n() + " test images of " + shape() + ")";
    }
}
