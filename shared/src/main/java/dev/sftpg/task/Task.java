package dev.sftpg.task;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Bars;
import dev.sftpg.data.DataSource;
import dev.sftpg.data.DataSources;
import dev.sftpg.data.FashionMnist;
import dev.sftpg.data.SampleShape;
import dev.sftpg.fid.Fid;
import dev.sftpg.io.SampleRenderer;
import dev.sftpg.metrics.MetricSuite;
import dev.sftpg.nn.Activation;
import dev.sftpg.nn.MlpSpec;
import dev.sftpg.nn.NetworkSpec;
import dev.sftpg.nn.conv.ConvCriticSpec;
import dev.sftpg.nn.conv.UNetSpec;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.nn.TimeConditioning;

import java.util.HashMap;
import java.util.Map;

/**
 * What is being generated, chosen by configuration in this one place: the data source (training and evaluation
 * sets), the three networks (noise predictor, critic f, value V), the metric suite (its first metric draws the curve
 * and picks the best checkpoint) and the renderer. Points and images are two instances of the one pipeline; every
 * network of points is a multilayer perceptron over the flattened sample; images get a UNet and a convolutional critic. The networks depend on the configuration and
 * the sample shape only, so a process that knows the shape (a rollout worker told it by the run) builds them without
 * reading the data.
 */
public record Task(DataSource data, MetricSuite metrics, SampleRenderer renderer) {

    /**
     * The task {@code data.source} names: bars and fashion-mnist are images, everything else points. Fashion-MNIST
     * is scored by FID against its whole test set (of the chosen classes) in the feature space of the classifier
     * {@code eval.fidClassifier} names, loaded at the first score.
     */
    public static Task of(Config config) {
        DataSource source = DataSources.create(config.get(ConfigSchema.DATA_SOURCE), sourceParameters(config));
        int projections = config.get(ConfigSchema.EVAL_PROJECTIONS);
        if (source instanceof FashionMnist fm)
            return new Task(source, MetricSuite.fashionMnist(Fid.metric(config, fm.testSet()), projections), SampleRenderer.IMAGE_GRID);
        if (source.shape().isImage())
            return new Task(source, MetricSuite.images(projections, source instanceof Bars b ? b : null), SampleRenderer.IMAGE_GRID);
        return new Task(source, MetricSuite.points(projections), SampleRenderer.SCATTER);
    }

    private static Map<String, Object> sourceParameters(Config config) {
        String name = config.get(ConfigSchema.DATA_SOURCE);
        Map<String, Object> p = new HashMap<>();
        switch (name) {
            case "swissroll", "moons" -> p.put("noise", config.get(ConfigSchema.DATA_NOISE));
            case "bars" -> {
                p.put("noise", config.get(ConfigSchema.DATA_NOISE));
                p.put("imageSize", config.get(ConfigSchema.DATA_IMAGE_SIZE));
            }
            case "fashion-mnist" -> {
                p.put("path", config.get(ConfigSchema.DATA_PATH));
                p.put("classes", config.get(ConfigSchema.DATA_CLASSES));
            }
            case "csv" -> {
                p.put("path", config.get(ConfigSchema.DATA_PATH));
                p.put("evalPath", config.get(ConfigSchema.DATA_EVAL_PATH));
                p.put("evalFraction", config.get(ConfigSchema.DATA_EVAL_FRACTION));
                p.put("seed", config.get(ConfigSchema.DATA_SEED));
            }
            default -> {
            }
        }
        return p;
    }

    public SampleShape shape() {
        return data.shape();
    }

    public boolean isImage() {
        return shape().isImage();
    }

    /** The noise predictor for samples of {@code shape}: an MLP over the flattened sample, or a UNet for images. */
    public static NetworkSpec epsilonSpec(Config config, SampleShape shape, int diffusionSteps) {
        int dim = shape.size();
        return switch (config.get(ConfigSchema.MODEL_KIND)) {
            case "unet" -> {
                if (!shape.isImage())
                    throw new IllegalArgumentException("model.kind=unet needs images, but data.source="
                            + config.get(ConfigSchema.DATA_SOURCE) + " gives samples of shape " + shape
                            + "; use model.kind=sinusoidal for points");
                int[] d = shape.dims();
                yield new UNetSpec(d[0], d[1], d[2], ConfigLoader.parseWidths(config.get(ConfigSchema.MODEL_WIDTHS)),
                        config.get(ConfigSchema.MODEL_TIME_EMBEDDING));
            }
            case "reference-toy" -> new MlpSpec(dim, config.get(ConfigSchema.MODEL_HIDDEN), config.get(ConfigSchema.MODEL_LAYERS),
                    dim, Activation.SOFTPLUS, new TimeConditioning.OneHot(diffusionSteps), false, false, true);
            default -> MlpSpec.sinusoidalEpsilon(dim, config.get(ConfigSchema.MODEL_HIDDEN), config.get(ConfigSchema.MODEL_LAYERS),
                    config.get(ConfigSchema.MODEL_TIME_EMBEDDING));
        };
    }

    /**
     * The critic f: unconditional, one output (a cost: low on data, high on samples). Images get the reference's
     * convolutional critic unless {@code critic.kind=mlp}; points always an MLP.
     */
    public static NetworkSpec criticSpec(Config config, SampleShape shape) {
        String kind = config.get(ConfigSchema.CRITIC_KIND);
        if (kind.equals("conv") && !shape.isImage())
            throw new IllegalArgumentException("critic.kind=conv needs images, but data.source=" + config.get(ConfigSchema.DATA_SOURCE)
                    + " gives samples of shape " + shape + "; use critic.kind=mlp (or auto) for points");
        if (shape.isImage() && !kind.equals("mlp")) {
            int[] d = shape.dims();
            return new ConvCriticSpec(d[0], d[1], d[2], ConfigLoader.parseWidths(config.get(ConfigSchema.CRITIC_WIDTHS)));
        }
        return new MlpSpec(shape.size(), config.get(ConfigSchema.CRITIC_HIDDEN), config.get(ConfigSchema.CRITIC_LAYERS), 1,
                Activation.RELU, null, false, false, false);
    }

    /** V conditions on the trajectory step index 0..S-1 through a learned per-step scale, as the reference's value. */
    public static MlpSpec valueSpec(Config config, SampleShape shape, int policySteps) {
        return new MlpSpec(shape.size(), config.get(ConfigSchema.VALUE_HIDDEN), config.get(ConfigSchema.VALUE_LAYERS), 1,
                Activation.RELU, new TimeConditioning.OneHot(policySteps), true, false, true);
    }
}
