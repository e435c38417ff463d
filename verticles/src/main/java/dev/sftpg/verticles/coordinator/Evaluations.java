package dev.sftpg.verticles.coordinator;

import dev.sftpg.config.Config;
import dev.sftpg.data.Points;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.io.ScatterPlot;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.train.Evaluator;
import dev.sftpg.verticles.bus.Log;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores announced policy weights: SWD, sharpness and MMD against fresh data, and a plot of 2,000 samples over
 * the data. Its network belongs to the one thread that evaluates (ND4J state is per thread), which is not the
 * coordinator's, so a long evaluation never holds up the heartbeat, the metrics log or a checkpoint.
 */
public final class Evaluations {
    private static final int PLOTTED = 2000;

    /**
     * One evaluation: the weights scored (exactly these become {@code checkpoints/best}), the scores, the samples
     * plotted, and how long it took.
     */
    public record Result(PolicyWeights weights, int points, Evaluator.SamplerScore score, Points samples, double seconds) {
        public long version() {
            return weights.version();
        }

        /** The plotted samples as the dashboard takes them, a flat {@code [x0, y0, x1, y1, ...]} array. */
        public JsonArray samplesJson() {
            List<Float> out = new ArrayList<>(samples.values().length);
            for (float f : samples.values()) out.add(f);
            return new JsonArray(out);
        }
    }

    private final Config config;
    private final SftPgSetup setup;
    private final int dim;
    private final ConditionalMlp network;
    private final Points plotData;
    private final Path runDir;

    /** @param network a network of the policy's architecture, used only on the evaluating thread */
    public Evaluations(Config config, SftPgSetup setup, int dim, ConditionalMlp network, Points plotData, Path runDir) {
        this.config = config;
        this.setup = setup;
        this.dim = dim;
        this.network = network;
        this.plotData = plotData;
        this.runDir = runDir;
    }

    /** Scores the weights on {@code n} points over {@code seeds} seeds and plots their samples. */
    public Result evaluate(PolicyWeights w, int n, int seeds) {
        long start = System.nanoTime();
        network.parameters().setFloats(w.params());
        Evaluator ev = Evaluator.of(config, setup.diffusion().dataSource(), n, seeds);
        Evaluator.SamplerScore s = ev.score("sft-pg-" + setup.sampler().steps(), network, setup.sampler(), null);
        Points samples = writeSamplePlot(w.version());
        return new Result(w, n, s, samples, (System.nanoTime() - start) / 1e9);
    }

    /** Samples 2,000 points of the policy under evaluation, writes their plot, and returns them (null for 1-D data). */
    private Points writeSamplePlot(long version) {
        if (dim < 2) return null;
        Points samples = new Points(PLOTTED, dim, TrajectorySampler.sampleFinal(network, setup.sampler(), PLOTTED, PLOTTED, 3));
        try {
            ScatterPlot.writePng(runDir.resolve("samples").resolve(String.format("step-%06d.png", version)), samples, plotData,
                    config.presetName() + " SFT-PG policy v" + version, 600);
        } catch (IOException e) {
            Log.warn("coordinator", "could not write the sample plot: " + e.getMessage());
        }
        return samples;
    }

    /** A sampler's scores as the report writes them ({@code init} and {@code final}): SWD mean and std, sharpness, MMD. */
    public static JsonObject scoreJson(Evaluator.SamplerScore s) {
        return new JsonObject().put("swd", new JsonObject().put("mean", s.swd().mean()).put("std", s.swd().std()))
                .put("sharpness", s.sharpness().mean()).put("mmd", s.mmd().mean());
    }

    /** One point of the SWD curve: the policy version, the run's elapsed seconds and the scores (means). */
    public static JsonObject curvePoint(long version, double seconds, Evaluator.SamplerScore s) {
        return new JsonObject().put("generatorStep", version).put("seconds", seconds)
                .put("swd", s.swd().mean()).put("sharpness", s.sharpness().mean()).put("mmd", s.mmd().mean());
    }
}
