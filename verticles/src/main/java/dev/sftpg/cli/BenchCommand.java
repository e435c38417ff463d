package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Points;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Pretrainer;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code sftpg bench}: pretraining throughput (optimiser steps per second, batch from the preset), measured
 * after a warm-up over several repeats; prints each repeat and the median.
 */
final class BenchCommand {
    /** The reference toy's pretraining rate on a 2-core machine (PyTorch 1.13 CPU, one thread): quiet and loaded. */
    static final double REFERENCE_QUIET = 290, REFERENCE_LOADED = 210;

    private final PrintStream out, err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) {
        Args args = Args.parse("bench", argv, 1, Set.of("config", "steps", "repeats"), Set.of());
        int steps = args.intOption("steps", 2000, 1);
        int repeats = args.intOption("repeats", 5, 1);
        Config base = ConfigLoader.load(args.get("config"), args.sets(), System.getenv());
        Config config = base.with(ConfigSchema.PRETRAIN_STEPS, steps).with(ConfigSchema.PRETRAIN_LOG_EVERY, steps);
        Nd4jRuntime.configure();
        Points data = new Diffusion(config).trainingSet();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        err.printf("bench pretrain %s: batch %d, %d steps x %d repeats after one warm-up, %s%n", config.presetName(),
                config.get(ConfigSchema.PRETRAIN_BATCH), steps, repeats, Nd4jRuntime.describe());
        new Pretrainer(config.with(ConfigSchema.PRETRAIN_STEPS, Math.max(1, steps / 4)), data).run(quiet, null);
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            Pretrainer.Result res = new Pretrainer(config, data).run(quiet, null);
            rates[r] = steps / res.seconds();
            err.printf("  repeat %d: %.1f steps/s%n", r + 1, rates[r]);
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = repeats % 2 == 1 ? sorted[repeats / 2] : (sorted[repeats / 2 - 1] + sorted[repeats / 2]) / 2;
        out.printf("pretrain throughput (%s, batch %d): median %.1f steps/s (min %.1f, max %.1f over %d repeats)%n",
                config.presetName(), config.get(ConfigSchema.PRETRAIN_BATCH), median, sorted[0], sorted[repeats - 1], repeats);
        out.printf("vs the reference toy (PyTorch CPU, 1 thread, same machine class): %.2fx its quiet %.0f steps/s, %.2fx its loaded %.0f%n",
                median / REFERENCE_QUIET, REFERENCE_QUIET, median / REFERENCE_LOADED, REFERENCE_LOADED);
        return Main.OK;
    }
}
