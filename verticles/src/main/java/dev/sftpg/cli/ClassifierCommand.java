package dev.sftpg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.FashionMnist;
import dev.sftpg.data.Samples;
import dev.sftpg.fid.ClassifierTrainer;
import dev.sftpg.fid.FidClassifier;
import dev.sftpg.metrics.Frechet;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.nn.conv.ClassifierSpec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code sftpg classifier}: trains the Fashion-MNIST feature classifier of the {@code fid} metric on the 60,000
 * training images, measures its accuracy on the 10,000 test images and the FID floor (training images against test
 * images), and publishes a directory (weights, metadata, README with the provenance) atomically.
 */
final class ClassifierCommand {
    /** FID floor: this many training images (the first, in file order) against the whole test part. */
    static final int FLOOR_IMAGES = 10_000;

    private final PrintStream out, err;

    ClassifierCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws Exception {
        Args args = Args.parse("classifier", argv, 1, Set.of("out", "epochs"), Set.of());
        List<String> sets = new ArrayList<>(args.sets());
        if (args.get("epochs") != null) sets.add(ConfigSchema.CLASSIFIER_EPOCHS.name() + "=" + args.intOption("epochs", 3, 1));
        Config config = ConfigLoader.load(null, sets, System.getenv());
        Path outDir = Path.of(args.get("out") != null ? args.get("out") : ConfigSchema.EVAL_FID_CLASSIFIER.defaultValue());
        checkOutDir(outDir);
        if (!config.get(ConfigSchema.DATA_CLASSES).isEmpty())
            throw new UsageException("classifier: the feature classifier learns all ten classes; leave data.classes empty "
                    + "(a run on a few classes still measures FID with it)");
        String path = config.get(ConfigSchema.DATA_PATH);
        FashionMnist data = FashionMnist.load(path.isEmpty() ? null : Path.of(path), null);
        Samples train = data.trainingSet(0, 0);
        int[] trainLabels = data.trainingLabels();
        int limit = config.get(ConfigSchema.CLASSIFIER_TRAIN_IMAGES);
        if (limit > 0 && limit < train.n()) {
            train = train.head(limit);
            trainLabels = Arrays.copyOf(trainLabels, limit);
        }
        ClassifierSpec spec = ClassifierSpec.FASHION_MNIST;
        ClassifierTrainer.Settings settings = new ClassifierTrainer.Settings(config.get(ConfigSchema.CLASSIFIER_EPOCHS),
                config.get(ConfigSchema.CLASSIFIER_BATCH), config.get(ConfigSchema.CLASSIFIER_LR), config.get(ConfigSchema.CLASSIFIER_SEED));
        Nd4jRuntime.configureFor(true);
        err.printf(Locale.ROOT, "classifier: %s; %,d training and %,d test images from %s; %d epoch(s) of batch %d, Adam lr %s, seed %d, %s -> %s%n",
                spec.describe(), train.n(), data.testSet().n(), data.folder(), settings.epochs(), settings.batchSize(),
                settings.learningRate(), settings.seed(), Nd4jRuntime.describe(), outDir);

        ClassifierTrainer.Result r = ClassifierTrainer.train(spec, settings, train, trainLabels, data.testSet(), data.testLabels(), err);
        double accuracy = r.testAccuracy(), minimum = config.get(ConfigSchema.CLASSIFIER_MIN_ACCURACY);

        FidClassifier fid = FidClassifier.of(r.network());
        Samples all = data.trainingSet(0, 0);
        Samples floorDraw = all.head(Math.min(FLOOR_IMAGES, all.n()));
        double floor = Frechet.distance(fid.statistics(floorDraw), fid.statistics(data.testSet()));
        err.printf(Locale.ROOT, "FID floor (first %,d training images vs the %,d test images): %.4f%n", floorDraw.n(), data.testSet().n(), floor);

        if (!(accuracy >= minimum)) {
            err.printf(Locale.ROOT, "error: test accuracy %.2f%% is below classifier.minAccuracy %.2f%%: a weak classifier makes a weak "
                    + "FID yardstick, so nothing was written to %s; train longer (--epochs %d) or change the settings%n",
                    100 * accuracy, 100 * minimum, outDir, settings.epochs() + 2);
            return Main.FAILURE;
        }

        String command = "./sftpg " + Arrays.stream(argv).map(ClassifierCommand::quote).collect(Collectors.joining(" "));
        ObjectNode meta = metadata(spec, settings, r, data, train.n(), floorDraw.n(), floor, command);
        FidClassifier.save(outDir, r.network(), meta, readme(spec, settings, r, data, train.n(), floorDraw.n(), floor, command,
                r.network().parameters().size()));
        String sha = FidClassifier.sha256(outDir.resolve(FidClassifier.WEIGHTS_FILE));
        out.printf(Locale.ROOT, "classifier: test accuracy %.2f%% after %d epoch(s) in %.0f s, FID floor %.4f, weights SHA-256 %s -> %s%n",
                100 * accuracy, settings.epochs(), r.seconds(), floor, sha, outDir);
        return Main.OK;
    }

    private static ObjectNode metadata(ClassifierSpec spec, ClassifierTrainer.Settings s, ClassifierTrainer.Result r, FashionMnist data,
                                       int trainImages, int floorImages, double floor, String command) {
        ObjectNode meta = new ObjectMapper().createObjectNode();
        meta.put("featureLayer", "dense1 after ReLU, " + spec.hidden() + " values");
        meta.put("testAccuracy", r.testAccuracy());
        meta.put("testImages", data.testSet().n());
        meta.put("trainTestFidFloor", floor);
        meta.put("fidFloorDefinition", "FID of the first " + floorImages + " training images against the " + data.testSet().n()
                + " test images in this feature space");
        ObjectNode t = meta.putObject("training");
        t.put("data", "fashion-mnist");
        t.put("trainImages", trainImages);
        t.put("epochs", s.epochs());
        t.put("batchSize", s.batchSize());
        t.put("lr", s.learningRate());
        t.put("optimizer", "Adam (0.9, 0.999, 1e-8), no clipping, no weight decay, no augmentation");
        t.put("loss", "softmax cross-entropy");
        t.put("seed", s.seed());
        t.put("seconds", r.seconds());
        ArrayNode epochs = t.putArray("epochLog");
        for (ClassifierTrainer.Epoch e : r.epochs())
            epochs.addObject().put("epoch", e.epoch()).put("trainLoss", e.trainLoss()).put("testAccuracy", e.testAccuracy())
                    .put("trainSeconds", e.trainSeconds()).put("testSeconds", e.testSeconds());
        meta.put("command", command);
        return meta;
    }

    private static String readme(ClassifierSpec spec, ClassifierTrainer.Settings s, ClassifierTrainer.Result r, FashionMnist data,
                                 int trainImages, int floorImages, double floor, String command, long parameters) {
        StringBuilder epochs = new StringBuilder();
        for (ClassifierTrainer.Epoch e : r.epochs())
            epochs.append(String.format(Locale.ROOT, "| %d | %.4f | %.2f%% | %.0f s |%n", e.epoch(), e.trainLoss(), 100 * e.testAccuracy(),
                    e.trainSeconds()));
        return String.format(Locale.ROOT, """
                # Fashion-MNIST feature classifier

                The yardstick of the `fid` metric (`eval.fidClassifier`): a small CNN trained on Fashion-MNIST, whose
                %d-value feature layer stands in for Inception's pool features. FIDs measured with it are comparable with
                each other, not with published Inception FIDs.

                - architecture: %s (%,d parameters, float32)
                - training: %,d training images, %d epoch(s), batch %d, Adam lr %s, seed %d, softmax cross-entropy, no augmentation
                - **test accuracy: %.2f%%** on the %,d test images
                - **FID floor: %.4f** (the first %,d training images against the %,d test images); a generator cannot be expected to score below it
                - weights: `%s`, SHA-256 `@SHA256@` (recorded in `%s` and checked on every load)

                | epoch | train loss | test accuracy | training time |
                | --- | --- | --- | --- |
                %s
                ## Reproduce

                With Debian's `dataset-fashion-mnist` installed, from the project root:

                    %s

                Training takes %.0f s here (2 cores, one OpenMP thread). Another CPU or oneDNN build may round differently and
                give slightly different weights, hence a different SHA-256.
                """, spec.hidden(), spec.describe(), parameters, trainImages, s.epochs(), s.batchSize(), s.learningRate(), s.seed(),
                100 * r.testAccuracy(), data.testSet().n(), floor, floorImages, data.testSet().n(), FidClassifier.WEIGHTS_FILE,
                FidClassifier.METADATA_FILE, epochs, command, r.seconds());
    }

    private static String quote(String arg) {
        return arg.matches("[A-Za-z0-9_./=:,+@-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }

    /** The output replaces {@code outDir} as a whole, so it may only be new, empty, or an earlier classifier. */
    static void checkOutDir(Path outDir) throws java.io.IOException {
        if (Files.isRegularFile(outDir))
            throw new UsageException("classifier: --out " + outDir + " is a file; give a directory (e.g. --out models/fashion-mnist-classifier)");
        if (Files.isDirectory(outDir)) {
            boolean earlier = Files.isRegularFile(outDir.resolve(FidClassifier.METADATA_FILE));
            boolean empty;
            try (var entries = Files.list(outDir)) {
                empty = entries.findAny().isEmpty();
            }
            if (!earlier && !empty)
                throw new UsageException("classifier: --out " + outDir + " is a directory that holds other files, not a feature "
                        + "classifier; the command replaces its --out as a whole, so give a new directory or an earlier classifier's");
            return;
        }
        for (Path p = outDir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) return;
            if (Files.exists(p))
                throw new UsageException("classifier: --out " + outDir + " cannot be created because " + p + " is a file, not a directory");
        }
    }
}
