package dev.sftpg.nn;

import dev.sftpg.nn.simd.Simd;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float MLP's fused loops against the op-by-op libnd4j path they replace, on the shipped architectures and a few
 * odd shapes: outputs and gradients within float rounding (the small-side products, the merged gain product and the
 * bias and per-step-gain gradients are sums in another order), and the same output bits where every product is still
 * the op-by-op path's.
 */
class FusedMlpTest {

    static Stream<MlpSpec> specs() {
        return Stream.of(
                MlpSpec.sinusoidalEpsilon(2, 128, 3, 32),
                MlpSpec.referenceToyEpsilon(2, 10),
                MlpSpec.toyCritic(2),
                MlpSpec.toyValue(2, 10),
                new MlpSpec(3, 20, 2, 5, Activation.SOFTPLUS, new TimeConditioning.OneHot(4), true, true, true), // widths off the vector length
                new MlpSpec(6, 24, 2, 5, Activation.SOFTPLUS, new TimeConditioning.Sinusoidal(8, 100), true, true, true), // BLAS at both ends
                new MlpSpec(5, 16, 2, 7, Activation.RELU, new TimeConditioning.OneHot(3), false, false, true),
                new MlpSpec(2, 13, 1, 3, Activation.RELU, new TimeConditioning.Sinusoidal(6, 100), false, true, false));
    }

    private static ConditionalMlp build(MlpSpec spec, boolean fused) {
        String before = System.getProperty("sftpg.fusedMlp");
        System.setProperty("sftpg.fusedMlp", Boolean.toString(fused));
        try {
            return spec.build(11);
        } finally {
            if (before == null) System.clearProperty("sftpg.fusedMlp");
            else System.setProperty("sftpg.fusedMlp", before);
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void fusedLayersGiveTheOpByOpOutputsAndGradients(MlpSpec spec) {
        Assumptions.assumeTrue(Simd.AVAILABLE, "the Vector API module is absent");
        ConditionalMlp fused = build(spec, true), plain = build(spec, false);
        SplittableRandom rng = new SplittableRandom(5);
        for (int batch : new int[]{128, 37, 128}) {
            float[] xs = new float[batch * spec.inputDim()], gs = new float[batch * spec.outputDim()], tau = new float[batch];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) (2 * rng.nextGaussian());
            for (int i = 0; i < gs.length; i++) gs[i] = (float) (1e-2 * rng.nextGaussian());
            for (int i = 0; i < batch; i++)
                tau[i] = spec.conditioning() instanceof TimeConditioning.OneHot oh ? rng.nextInt(oh.steps())
                        : i % 3 == 0 ? (float) (100 * rng.nextDouble()) : rng.nextInt(1000);
            INDArray x = Nd4j.create(xs, new long[]{batch, spec.inputDim()}, DataType.FLOAT);
            INDArray g = Nd4j.create(gs, new long[]{batch, spec.outputDim()}, DataType.FLOAT);
            float[] a = fused.forward(x, tau).dup().data().asFloat(), b = plain.forward(x, tau).dup().data().asFloat();
            double outScale = 0;
            for (float v : b) outScale = Math.max(outScale, Math.abs(v));
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-5 * outScale, "output " + i);
            // no product of a small side and the gains not one merged product (per-step tables): every operation as libnd4j's
            if (spec.inputDim() > 4 && spec.outputDim() > 4 && !(spec.conditioning() instanceof TimeConditioning.Sinusoidal))
                for (int i = 0; i < a.length; i++)
                    assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), "output " + i + ": " + a[i] + " vs " + b[i]);
            fused.backward(g);
            plain.backward(g);
        }
        for (Map.Entry<String, long[]> p : fused.parameters().shapes().entrySet()) {
            float[] a = fused.parameters().grad(p.getKey()).dup().data().asFloat(), b = plain.parameters().grad(p.getKey()).dup().data().asFloat();
            double scale = 0;
            for (float v : b) scale = Math.max(scale, Math.abs(v));
            assertTrue(scale > 0, p.getKey() + " has no gradient");
            for (int i = 0; i < a.length; i++)
                assertEquals(b[i], a[i], 1e-5 * scale, p.getKey() + "[" + i + "]");
        }
    }

    private static <T> T withFused(boolean fused, java.util.function.Supplier<T> make) {
        String before = System.getProperty("sftpg.fusedMlp");
        System.setProperty("sftpg.fusedMlp", Boolean.toString(fused));
        try {
            return make.get();
        } finally {
            if (before == null) System.clearProperty("sftpg.fusedMlp");
            else System.setProperty("sftpg.fusedMlp", before);
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Optimizer.Kind.class)
    void fusedOptimiserAndEmaFollowLibnd4jsUpdate(Optimizer.Kind kind) {
        Assumptions.assumeTrue(Simd.AVAILABLE, "the Vector API module is absent");
        MlpSpec spec = MlpSpec.sinusoidalEpsilon(2, 16, 2, 8);
        ConditionalMlp a = spec.build(3), b = spec.build(3);
        Optimizer fa = withFused(true, () -> new Optimizer(a.parameters(), kind, 1e-2, 0.5));
        Optimizer fb = withFused(false, () -> new Optimizer(b.parameters(), kind, 1e-2, 0.5));
        Ema ea = withFused(true, () -> new Ema(a.parameters(), 0.9)), eb = withFused(false, () -> new Ema(b.parameters(), 0.9));
        SplittableRandom rng = new SplittableRandom(9);
        int n = (int) a.parameters().size();
        for (int step = 0; step < 6; step++) {
            float[] g = new float[n];
            // large gradients (clipped) on even steps, small ones (not clipped) on odd steps
            for (int i = 0; i < n; i++) g[i] = (float) ((step % 2 == 0 ? 1 : 1e-4) * rng.nextGaussian());
            a.parameters().flatGrads().assign(Nd4j.create(g, new long[]{1, n}, DataType.FLOAT));
            b.parameters().flatGrads().assign(Nd4j.create(g, new long[]{1, n}, DataType.FLOAT));
            Optimizer.StepInfo ia = fa.step(), ib = fb.step();
            assertEquals(ib.gradNorm(), ia.gradNorm(), 1e-6 * ib.gradNorm());
            assertEquals(ib.clippedNorm(), ia.clippedNorm(), 1e-6 * ib.clippedNorm());
            assertEquals(0.0, a.parameters().flatGrads().amaxNumber().doubleValue(), "gradients zeroed");
            float[] pa = a.parameters().toFloats(), pb = b.parameters().toFloats();
            for (int i = 0; i < n; i++) assertEquals(pb[i], pa[i], 1e-6 + 1e-6 * Math.abs(pb[i]), "param " + i + " after step " + step);
            float[] sa = fa.state().dup().data().asFloat(), sb = fb.state().dup().data().asFloat();
            // per half (Adam's m, then v) within float rounding of the half's largest value: m nearly cancels in places
            int halves = kind == Optimizer.Kind.ADAM ? 2 : 1, len = sa.length / halves;
            for (int h = 0; h < halves; h++) {
                double big = 0;
                for (int i = h * len; i < (h + 1) * len; i++) big = Math.max(big, Math.abs(sb[i]));
                for (int i = h * len; i < (h + 1) * len; i++) assertEquals(sb[i], sa[i], 1e-6 * big, "state " + i + " after step " + step);
            }
            ea.update(a.parameters());
            eb.update(b.parameters());
            // the same inputs give the same bits: feed b's parameters to both averages' next update
            a.parameters().copyFrom(b.parameters());
            ea.restore(eb.toFloats());
            ea.update(a.parameters());
            eb.update(b.parameters());
            float[] xa = ea.toFloats(), xb = eb.toFloats();
            for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(xb[i]), Float.floatToRawIntBits(xa[i]), "ema " + i);
        }
    }

    @org.junit.jupiter.api.Test
    void fusedSamplerStepsGiveTheOpByOpBits() {
        Assumptions.assumeTrue(Simd.AVAILABLE, "the Vector API module is absent");
        var schedule = dev.sftpg.schedule.NoiseSchedule.of(dev.sftpg.schedule.BetaSchedule.LINEAR, 1000, 1e-4, 0.02);
        var rec = dev.sftpg.sampler.FastDpm.step(schedule, 10, dev.sftpg.sampler.FastDpm.Spacing.QUADRATIC, 1.0, 0.001, "step");
        ConditionalMlp fusedNet = build(MlpSpec.sinusoidalEpsilon(2, 32, 2, 8), true), plainNet = build(MlpSpec.sinusoidalEpsilon(2, 32, 2, 8), false);
        var a = withFused(true, () -> dev.sftpg.sampler.TrajectorySampler.sample(fusedNet, rec, 37, 4, true));
        var b = withFused(false, () -> dev.sftpg.sampler.TrajectorySampler.sample(plainNet, rec, 37, 4, true));
        for (int i = 0; i < a.states().length; i++) {
            float[] x = a.states()[i].dup().data().asFloat(), y = b.states()[i].dup().data().asFloat();
            // the networks' outputs agree within rounding (their small-side products are sums in another order)
            for (int j = 0; j < x.length; j++) assertEquals(y[j], x[j], 1e-4 * (1 + Math.abs(y[j])), "state " + i + " value " + j);
        }
        // with the same network, the fused step itself gives the op-by-op bits
        var c = withFused(true, () -> dev.sftpg.sampler.TrajectorySampler.sample(fusedNet, rec, 37, 4, true));
        var f = withFused(false, () -> dev.sftpg.sampler.TrajectorySampler.sample(fusedNet, rec, 37, 4, true));
        for (int i = 0; i < c.states().length; i++) {
            float[] x = c.states()[i].dup().data().asFloat(), y = f.states()[i].dup().data().asFloat();
            for (int j = 0; j < x.length; j++) assertEquals(Float.floatToRawIntBits(y[j]), Float.floatToRawIntBits(x[j]), "state " + i + " value " + j);
        }
        INDArray start = c.states()[3];
        INDArray d = withFused(true, () -> dev.sftpg.sampler.TrajectorySampler.noiseFree(fusedNet, rec, start, 3));
        INDArray e = withFused(false, () -> dev.sftpg.sampler.TrajectorySampler.noiseFree(fusedNet, rec, start, 3));
        float[] x = d.dup().data().asFloat(), y = e.dup().data().asFloat();
        for (int j = 0; j < x.length; j++) assertEquals(Float.floatToRawIntBits(y[j]), Float.floatToRawIntBits(x[j]), "noise-free value " + j);
    }
}
