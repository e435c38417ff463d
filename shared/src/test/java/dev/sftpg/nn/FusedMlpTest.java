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
 * The float MLP's fused loops against the op-by-op libnd4j path they replace, on the shipped architectures: the same
 * output bits, the same weight gradients, and bias and per-step-gain gradients (sums in another order) within float
 * rounding.
 */
class FusedMlpTest {

    static Stream<MlpSpec> specs() {
        return Stream.of(
                MlpSpec.sinusoidalEpsilon(2, 128, 3, 32),
                MlpSpec.referenceToyEpsilon(2, 10),
                MlpSpec.toyCritic(2),
                MlpSpec.toyValue(2, 10),
                new MlpSpec(3, 20, 2, 5, Activation.SOFTPLUS, new TimeConditioning.OneHot(4), true, true, true), // widths off the vector length
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
}
