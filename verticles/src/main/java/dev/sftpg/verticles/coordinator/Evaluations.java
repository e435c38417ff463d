package dev.sftpg.verticles.coordinator;

import dev.sftpg.config.Config;
import dev.sftpg.data.Samples;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.metrics.MeanStd;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.task.Task;
import dev.sftpg.train.Evaluator;
import dev.sftpg.verticles.bus.SamplePreview;
import dev.sftpg.verticles.bus.Log;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Scores announced policy weights with the task's metrics against evaluation data, and draws 2,000 of their samples
 * with the task's renderer (a scatter over the data, or an image grid beside real images). Its network belongs to the
 * one thread that evaluates (ND4J state is per thread), which is not the coordinator's, so a long evaluation never
 * holds up the heartbeat, the metrics log or a checkpoint.
 */
public final class Evaluations {
    /** Points drawn for a scatter plot; an image grid shows 64 (ImageGrid), so images draw only those. */
    private static final int PLOTTED = 2000, PLOTTED_IMAGES = 64;

    /**
     * One evaluation: the weights scored (exactly these become {@code checkpoints/best}), the scores, the samples
     * plotted, and how long it took.
     */
    public record Result(PolicyWeights weights, int points, Evaluator.SamplerScore score, Samples samples, double seconds) {
        public long version() {
            return weights.version();
        }

        /** The plotted samples as the dashboard draws them. */
        public JsonObject samplesJson() {
            return SamplePreview.of(samples);
        }
    }

    private final Config config;
    private final SftPgSetup setup;
    private final Task task;
    private final Network network;
    private final Samples plotData;
    private final Path runDir;

    /** @param network a network of the policy's architecture, used only on the evaluating thread */
    public Evaluations(Config config, SftPgSetup setup, Network network, Samples plotData, Path runDir) {
        this.config = config;
        this.setup = setup;
        this.task = setup.diffusion().task();
        this.network = network;
        this.plotData = plotData;
        this.runDir = runDir;
    }

    /** Scores the weights on {@code n} samples over {@code seeds} seeds and draws their samples. */
    public Result evaluate(PolicyWeights w, int n, int seeds) {
        long start = System.nanoTime();
        network.parameters().setFloats(w.params());
        Evaluator ev = Evaluator.of(config, task, n, seeds);
        Evaluator.SamplerScore s = ev.score("sft-pg-" + setup.sampler().steps(), network, setup.sampler(), null);
        Samples samples = writeSamplePlot(w.version());
        return new Result(w, n, s, samples, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Samples 2,000 points (64 images) of the policy under evaluation, writes their picture, and returns them (null for
     * 1-D points). Images are not drawn in one batch of 2,000: a UNet's buffers for it take gigabytes.
     */
    private Samples writeSamplePlot(long version) {
        if (!task.isImage() && task.shape().size() < 2) return null;
        int n = task.isImage() ? PLOTTED_IMAGES : PLOTTED;
        Samples samples = new Samples(n, task.shape(), TrajectorySampler.sampleFinal(network, setup.sampler(), n, n, 3));
        try {
            task.renderer().writePng(runDir.resolve("samples").resolve(String.format("step-%06d.png", version)), samples, plotData,
                    config.presetName() + " SFT-PG policy v" + version, 600);
        } catch (IOException e) {
            Log.warn("coordinator", "could not write the sample plot: " + e.getMessage());
        }
        return samples;
    }

    /**
     * A sampler's scores as the report writes them ({@code init} and {@code final}): the primary metric (SWD for
     * points) as mean and std, every other metric as its mean.
     */
    public static JsonObject scoreJson(Evaluator.SamplerScore s) {
        JsonObject out = new JsonObject();
        s.metrics().forEach((name, v) -> {
            if (name.equals(s.primary())) out.put(name, new JsonObject().put("mean", v.mean()).put("std", v.std()));
            else out.put(name, v.mean());
        });
        return out;
    }

    /** One point of the curve: the policy version, the run's elapsed seconds and every metric's mean. */
    public static JsonObject curvePoint(long version, double seconds, Evaluator.SamplerScore s) {
        JsonObject point = new JsonObject().put("generatorStep", version).put("seconds", seconds);
        s.metrics().forEach((name, v) -> point.put(name, v.mean()));
        return point;
    }

    /** "SWD 0.0125, sharpness 3.32": the primary metric, then the sharpness ratio when the suite has one. */
    public static String summary(Evaluator.SamplerScore s) {
        MeanStd sharp = s.metrics().get("sharpness");
        return String.format("%s %.4f", s.primary().toUpperCase(java.util.Locale.ROOT), s.primaryScore().mean())
                + (sharp == null ? "" : String.format(", sharpness %.2f", sharp.mean()));
    }
}
