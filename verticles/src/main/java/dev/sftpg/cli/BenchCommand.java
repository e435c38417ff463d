package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Points;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Pretrainer;

import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.nn.Optimizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        printBreakdown(config, data);
        out.printf("vs the reference toy (PyTorch CPU, 1 thread, same machine class): %.2fx its quiet %.0f steps/s, %.2fx its loaded %.0f%n",
                median / REFERENCE_QUIET, REFERENCE_QUIET, median / REFERENCE_LOADED, REFERENCE_LOADED);
        return Main.OK;
    }

    /** Where one pretraining step's time goes: forward, backward, optimiser; the rest is host-side batch making. */
    private void printBreakdown(Config config, Points data) {
        int batch = config.get(ConfigSchema.PRETRAIN_BATCH);
        ConditionalMlp net = new Diffusion(config).epsilonSpec(data.shape()).build(1);
        Optimizer opt = new Optimizer(net.parameters(), Optimizer.Kind.ADAM, 1e-4, 1.0);
        // a realistic step: noised data in, the MSE gradient against a fixed noise draw out
        INDArray x = Nd4j.create(java.util.Arrays.copyOf(data.values(), batch * data.dim()), new long[]{batch, data.dim()}, DataType.FLOAT);
        INDArray eps = Nd4j.randn(DataType.FLOAT, batch, data.dim());
        x.muli(0.7).addi(eps.mul(0.7));
        INDArray grad = Nd4j.create(DataType.FLOAT, batch, data.dim());
        float[] tau = new float[batch];
        int steps = config.get(ConfigSchema.DIFFUSION_STEPS);
        for (int i = 0; i < batch; i++) tau[i] = i % steps;
        int iters = 1000;
        long[] ns = new long[3];
        for (int rep = 0; rep < 2; rep++) { // the first repetition warms up
            java.util.Arrays.fill(ns, 0);
            for (int i = 0; i < iters; i++) {
                long t0 = System.nanoTime();
                net.forward(x, tau).sub(eps, grad).muli(2.0 / grad.length());
                long t1 = System.nanoTime();
                net.backward(grad);
                long t2 = System.nanoTime();
                opt.step();
                long t3 = System.nanoTime();
                ns[0] += t1 - t0;
                ns[1] += t2 - t1;
                ns[2] += t3 - t2;
            }
        }
        double[] us = {ns[0] / 1e3 / iters, ns[1] / 1e3 / iters, ns[2] / 1e3 / iters};
        out.printf("per step: forward %.0f us, backward %.0f us, clip+Adam+zero %.0f us (%,d parameters); "
                        + "~%.0f us per element-wise ND4J call is the floor on this machine%n",
                us[0], us[1], us[2], net.parameters().size(), probeOpOverhead());
    }

    /** Median cost of one small in-place ND4J op (JNI and dispatch dominate at this size). */
    private static double probeOpOverhead() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 128, 128), b = Nd4j.rand(DataType.FLOAT, 128, 128);
        double[] t = new double[7];
        for (int r = 0; r < t.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) a.addi(b).subi(b);
            t[r] = (System.nanoTime() - t0) / 1e3 / 4000;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
