package dev.sftpg.fid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.checkpoint.Tensor;
import dev.sftpg.checkpoint.TensorFile;
import dev.sftpg.data.Samples;
import dev.sftpg.io.AtomicFiles;
import dev.sftpg.metrics.Frechet;
import dev.sftpg.nn.conv.Classifier;
import dev.sftpg.nn.conv.ClassifierSpec;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A trained feature classifier on disk, the yardstick of the {@code fid} metric: a directory with
 * {@code classifier.json} (architecture, training settings, test accuracy, the train-vs-test FID floor and the SHA-256
 * of the weights), {@code classifier.sftpg} (the weights, a {@link TensorFile}) and a {@code README.md} saying how it
 * was made. Written atomically as a whole; loading checks the weights against the recorded SHA-256, so a damaged or
 * swapped file is refused instead of silently changing every score.
 *
 * <p>A loaded classifier is shared per process and directory (until one of its files changes), and so is its cache
 * of reference statistics: the features of one evaluation draw (the 10,000 test images, say) are computed once.
 */
public final class FidClassifier {
    public static final String METADATA_FILE = "classifier.json";
    public static final String WEIGHTS_FILE = "classifier.sftpg";
    public static final String README_FILE = "README.md";
    static final String FORMAT = "sftpg-feature-classifier";
    /** Images per forward pass when computing features (bounds the activations' memory). */
    static final int BATCH = 250;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Key, FidClassifier> LOADED = new HashMap<>();

    /** A directory as last read: its two files' sizes and modification times. */
    private record Key(Path dir, long weightsSize, long weightsModified, long metaSize, long metaModified) {
    }

    private final Path dir;
    private final Classifier network;
    private final JsonNode metadata;
    private final Map<Samples, Frechet.Gaussian> referenceStats = new WeakHashMap<>();

    FidClassifier(Path dir, Classifier network, JsonNode metadata) {
        this.dir = dir;
        this.network = network;
        this.metadata = metadata;
    }

    /** A classifier that is not on disk (tests, the training command before it publishes). */
    public static FidClassifier of(Classifier network) {
        return new FidClassifier(null, network, JSON.createObjectNode());
    }

    public Classifier network() {
        return network;
    }

    /** The directory it was loaded from; null for one made in memory. */
    public Path dir() {
        return dir;
    }

    /** {@code classifier.json} as read. */
    public JsonNode metadata() {
        return metadata;
    }

    /** Mean and covariance of the feature vectors of {@code images}, computed every time. */
    public Frechet.Gaussian statistics(Samples images) {
        double[] f;
        synchronized (network) {
            f = network.features(images, BATCH);
        }
        return Frechet.fit(f, images.n(), network.spec().hidden());
    }

    /** {@link #statistics} of a reference draw, kept while the draw itself is alive (by identity of its values). */
    public Frechet.Gaussian referenceStatistics(Samples reference) {
        synchronized (referenceStats) {
            Frechet.Gaussian g = referenceStats.get(reference);
            if (g != null) return g;
        }
        Frechet.Gaussian g = statistics(reference);
        synchronized (referenceStats) {
            referenceStats.put(reference, g);
        }
        return g;
    }

    /**
     * FID of {@code generated} against {@code reference} (whose statistics are cached); +infinity when a generated
     * image has a non-finite value (a diverged sampler scores as infinitely bad rather than failing).
     */
    public double fid(Samples generated, Samples reference) {
        for (float v : generated.values()) if (!Float.isFinite(v)) return Double.POSITIVE_INFINITY;
        return Frechet.distance(statistics(generated), referenceStatistics(reference));
    }

    // ---- on disk

    /** Writes the directory atomically: weights, {@code metadata} (to which the weights' SHA-256 is added) and the README. */
    public static void save(Path dir, Classifier network, ObjectNode metadata, String readme) throws IOException {
        ObjectNode weightsMeta = JSON.createObjectNode();
        weightsMeta.put("format", FORMAT);
        weightsMeta.set("spec", specJson(network.spec()));
        List<Tensor> tensors = List.of(Tensor.vector("params", network.parameters().toFloats()));
        AtomicFiles.writeDirectory(dir, tmp -> {
            TensorFile.write(tmp.resolve(WEIGHTS_FILE), weightsMeta.toString(), tensors);
            ObjectNode meta = metadata.deepCopy();
            meta.put("format", FORMAT);
            meta.set("spec", specJson(network.spec()));
            meta.put("architecture", network.spec().describe());
            meta.put("parameters", network.parameters().size());
            meta.put("weightsFile", WEIGHTS_FILE);
            meta.put("weightsSha256", sha256(tmp.resolve(WEIGHTS_FILE)));
            Files.writeString(tmp.resolve(METADATA_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta) + "\n");
            if (readme != null) Files.writeString(tmp.resolve(README_FILE), readme.replace("@SHA256@", meta.get("weightsSha256").asText()));
        });
    }

    /**
     * The classifier in {@code dir}, loaded once per process (again when one of its files changes). Every problem
     * is a {@link CheckpointException} naming the directory and {@code fix} (how to train or point at one).
     */
    public static synchronized FidClassifier load(Path dir, String fix) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isRegularFile(abs)) throw new CheckpointException(dir, "is a file, not a feature classifier directory", fix, null);
        if (!Files.isDirectory(abs)) throw new CheckpointException(dir, "no feature classifier directory here", fix, null);
        Path metaFile = abs.resolve(METADATA_FILE), weights = abs.resolve(WEIGHTS_FILE);
        for (Path f : List.of(metaFile, weights))
            if (!Files.isRegularFile(f))
                throw new CheckpointException(dir, "missing " + f.getFileName() + " (not a feature classifier directory, or an incomplete copy)",
                        fix, null);
        Key key;
        try {
            key = new Key(abs, Files.size(weights), Files.getLastModifiedTime(weights).toMillis(), Files.size(metaFile),
                    Files.getLastModifiedTime(metaFile).toMillis());
        } catch (IOException e) {
            throw new CheckpointException(weights, "cannot be read (" + e.getMessage() + ")", fix, e);
        }
        FidClassifier c = LOADED.get(key);
        if (c == null) {
            LOADED.keySet().removeIf(k -> k.dir().equals(abs));
            c = read(dir, metaFile, weights, fix);
            LOADED.put(key, c);
        }
        return c;
    }

    private static FidClassifier read(Path dir, Path metaFile, Path weights, String fix) {
        JsonNode meta;
        try {
            meta = JSON.readTree(metaFile.toFile());
        } catch (IOException e) {
            throw new CheckpointException(metaFile, "is not valid JSON (" + firstLine(e.getMessage()) + ")", fix, e);
        }
        if (meta == null || !FORMAT.equals(meta.path("format").asText()))
            throw new CheckpointException(metaFile, "is not a feature classifier's metadata (format '"
                    + (meta == null ? "" : meta.path("format").asText()) + "', expected '" + FORMAT + "')", fix, null);
        ClassifierSpec spec;
        try {
            spec = specOf(meta.path("spec"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(metaFile, "describes no usable architecture: " + e.getMessage(), fix, e);
        }
        String expected = meta.path("weightsSha256").asText("");
        String actual;
        try {
            actual = sha256(weights);
        } catch (IOException e) {
            throw new CheckpointException(weights, "cannot be read (" + e.getMessage() + ")", fix, e);
        }
        if (!actual.equalsIgnoreCase(expected))
            throw new CheckpointException(weights, "has SHA-256 " + actual + " but " + METADATA_FILE + " records "
                    + (expected.isEmpty() ? "none" : expected) + " (damaged, or not the weights this directory was written with)", fix, null);
        TensorFile.Contents contents;
        try {
            contents = TensorFile.read(weights);
        } catch (CheckpointException e) {
            throw new CheckpointException(weights, "cannot be read: " + e.getMessage(), fix, e);
        }
        Classifier net = spec.build(DataType.FLOAT, 0);
        float[] params = contents.tensors().containsKey("params") ? contents.tensors().get("params").data() : null;
        if (params == null || params.length != net.parameters().size())
            throw new CheckpointException(weights, "holds " + (params == null ? "no 'params' tensor" : params.length + " weights")
                    + " but the architecture in " + METADATA_FILE + " has " + net.parameters().size(), fix, null);
        net.parameters().setFloats(params);
        return new FidClassifier(dir, net, meta);
    }

    static ObjectNode specJson(ClassifierSpec s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("channels", s.channels()).put("height", s.height()).put("width", s.width()).put("conv1", s.conv1())
                .put("conv2", s.conv2()).put("conv3", s.conv3()).put("hidden", s.hidden()).put("classes", s.classes());
        return o;
    }

    static ClassifierSpec specOf(JsonNode o) {
        String[] fields = {"channels", "height", "width", "conv1", "conv2", "conv3", "hidden", "classes"};
        int[] v = new int[fields.length];
        for (int i = 0; i < fields.length; i++) {
            JsonNode n = o.path(fields[i]);
            if (!n.canConvertToInt()) throw new IllegalArgumentException("spec." + fields[i] + " is missing or not an integer");
            v[i] = n.asInt();
        }
        return new ClassifierSpec(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }

    /** Hex SHA-256 of a file's bytes (what {@code sha256sum} prints). */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
