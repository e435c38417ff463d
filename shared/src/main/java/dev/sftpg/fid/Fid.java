package dev.sftpg.fid;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Samples;
import dev.sftpg.metrics.Metric;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The {@code fid} metric: the Fréchet distance between Gaussians fitted to the feature-layer activations of a
 * trained image classifier ({@link FidClassifier}) on generated images and on a reference set: for Fashion-MNIST the
 * whole test set, as FID is usually defined (its statistics are computed once per process), so that the spread over
 * seeds is the generator's alone and not that of a resampled reference of the evaluation's size. Inception
 * features need ImageNet-sized colour images and weights from the network; a classifier of the data set itself gives
 * the same kind of statistic in that data set's own feature space (so values are comparable between runs here, not
 * with published Inception FIDs).
 */
public final class Fid {
    /** The command that trains the shipped classifier, for messages. */
    public static final String TRAIN_COMMAND = "sftpg classifier --out ";

    private Fid() {
    }

    /**
     * The metric over {@code classifier}, obtained when first needed (so processes that never evaluate never load it),
     * against the evaluation draw it is given.
     */
    public static Metric metric(Supplier<FidClassifier> classifier) {
        return new Metric("fid", (generated, data, fresh, seed) -> classifier.get().fid(generated, data));
    }

    /** The metric over {@code classifier} against the fixed {@code reference}, whatever evaluation draw it is given. */
    public static Metric metric(Supplier<FidClassifier> classifier, Samples reference) {
        return new Metric("fid", (generated, data, fresh, seed) -> classifier.get().fid(generated, reference));
    }

    /** The metric over the classifier {@code eval.fidClassifier} names, loaded at its first score, against {@code reference}. */
    public static Metric metric(Config config, Samples reference) {
        String configured = config.get(ConfigSchema.EVAL_FID_CLASSIFIER);
        return metric(() -> load(configured), reference);
    }

    /**
     * Loads the classifier now when {@code config}'s task scores by fid (data.source=fashion-mnist), so that a command
     * that will evaluate stops before any work when it is missing, with the message of {@link #load}.
     */
    public static void requireClassifier(Config config) {
        if ("fashion-mnist".equals(config.get(ConfigSchema.DATA_SOURCE))) load(config.get(ConfigSchema.EVAL_FID_CLASSIFIER));
    }

    /** The classifier {@code configured} names (see {@link dev.sftpg.io.InstalledFiles#resolve}), or a checkpoint problem naming the train command. */
    public static FidClassifier load(String configured) {
        Path dir = dev.sftpg.io.InstalledFiles.resolve(configured);
        return FidClassifier.load(dir, "train it with `" + TRAIN_COMMAND + dir + "` (a few minutes per epoch), or set "
                + ConfigSchema.EVAL_FID_CLASSIFIER.name() + " to a directory that holds one (the project ships "
                + ConfigSchema.EVAL_FID_CLASSIFIER.defaultValue() + ")");
    }
}
