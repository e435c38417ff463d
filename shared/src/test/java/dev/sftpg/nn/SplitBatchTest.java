package dev.sftpg.nn;

import dev.sftpg.nn.simd.Simd;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large batch through the MLP runs as two halves at once, the second through a partner network that shares the
 * parameters: the outputs and the summed gradients must be those of the same rows taken in small whole batches.
 */
class SplitBatchTest {

    /** The fine-tuning networks at their batch sizes: the value step's 1280 rows, a critic step's 256, a policy's 1280. */
    static Stream<Object[]> cases() {
        return Stream.of(new Object[]{MlpSpec.toyValue(2, 10), 1280}, new Object[]{MlpSpec.toyCritic(2), 256},
                new Object[]{MlpSpec.sinusoidalEpsilon(2, 128, 3, 32), 1280},
                new Object[]{new MlpSpec(3, 256, 2, 2, Activation.SOFTPLUS, new TimeConditioning.Sinusoidal(8, 100), true, true, true), 301});
    }

    private record Batch(INDArray x, INDArray gradOut, float[] tau) {
        Batch rows(int from, int to) {
            INDArray xs = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
            INDArray gs = gradOut.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
            return new Batch(xs, gs, java.util.Arrays.copyOfRange(tau, from, to));
        }
    }

    private static Batch batch(MlpSpec spec, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] xs = new float[n * spec.inputDim()], gs = new float[n * spec.outputDim()], tau = new float[n];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rng.nextGaussian();
        for (int i = 0; i < gs.length; i++) gs[i] = (float) (1e-2 * rng.nextGaussian());
        for (int i = 0; i < n; i++)
            tau[i] = spec.conditioning() instanceof TimeConditioning.OneHot oh ? rng.nextInt(oh.steps()) : rng.nextInt(1000);
        return new Batch(Nd4j.create(xs, new long[]{n, spec.inputDim()}, DataType.FLOAT),
                Nd4j.create(gs, new long[]{n, spec.outputDim()}, DataType.FLOAT), tau);
    }

    private static float[] grads(Network net) {
        return net.parameters().flatGrads().dup().data().asFloat();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aSplitBatchGivesTheOutputsAndGradientsOfItsRowsTakenWhole(MlpSpec spec, int n) {
        Assumptions.assumeTrue(Simd.AVAILABLE, "the Vector API module is absent: batches are not split");
        ConditionalMlp split = spec.build(3), whole = spec.build(3);
        Batch b = batch(spec, n, 7);
        float[] out = split.forward(b.x(), b.tau()).dup().data().asFloat();
        assertTrue(split.lastForwardSplit(), "a batch of " + n + " rows is split");
        split.backward(b.gradOut());

        // the same rows in whole batches of 64 (never split), their gradients accumulated
        float[] expected = new float[out.length];
        for (int from = 0; from < n; from += 64) {
            Batch part = b.rows(from, Math.min(n, from + 64));
            float[] o = whole.forward(part.x(), part.tau()).dup().data().asFloat();
            assertFalse(whole.lastForwardSplit());
            System.arraycopy(o, 0, expected, from * spec.outputDim(), o.length);
            whole.backward(part.gradOut());
        }
        double outScale = scale(expected);
        for (int i = 0; i < out.length; i++) assertEquals(expected[i], out[i], 1e-5 * outScale, "output " + i);
        float[] got = grads(split), want = grads(whole);
        for (Map.Entry<String, long[]> p : split.parameters().shapes().entrySet()) {
            float[] a = split.parameters().grad(p.getKey()).dup().data().asFloat(), e = whole.parameters().grad(p.getKey()).dup().data().asFloat();
            double s = scale(e);
            assertTrue(s > 0, p.getKey() + " has no gradient");
            for (int i = 0; i < a.length; i++) assertEquals(e[i], a[i], 1e-4 * s, p.getKey() + "[" + i + "]");
        }
        assertEquals(want.length, got.length);
    }

    @Test
    void thePartnersGradientsAreCountedOnceAndTheSplitRepeatsExactly() {
        Assumptions.assumeTrue(Simd.AVAILABLE, "the Vector API module is absent: batches are not split");
        MlpSpec spec = MlpSpec.toyValue(2, 10);
        ConditionalMlp net = spec.build(3);
        Batch b = batch(spec, 1280, 9);
        net.forward(b.x(), b.tau());
        net.backward(b.gradOut());
        float[] first = grads(net);
        net.parameters().zeroGrads();
        float[] out = net.forward(b.x(), b.tau()).dup().data().asFloat();
        net.backward(b.gradOut());
        // a partner that kept its gradients would double its half's share here
        assertArrayEquals(first, grads(net));
        assertArrayEquals(out, spec.build(3).forward(b.x(), b.tau()).dup().data().asFloat(), "the same bits on every run");
    }

    @Test
    void aSmallBatchAfterASplitOneBackpropagatesItself() {
        Assumptions.assumeTrue(Simd.AVAILABLE, "the Vector API module is absent: batches are not split");
        MlpSpec spec = MlpSpec.toyCritic(2);
        ConditionalMlp net = spec.build(3), reference = spec.build(3);
        Batch big = batch(spec, 512, 1), small = batch(spec, 64, 2);
        net.forward(big.x(), null);
        net.forward(small.x(), null);
        assertFalse(net.lastForwardSplit());
        assertThrows(IllegalStateException.class, () -> net.backward(big.gradOut()), "the last forward was the small batch");
        net.backward(small.gradOut());
        reference.forward(small.x(), null);
        reference.backward(small.gradOut());
        assertArrayEquals(grads(reference), grads(net));
    }

    private static double scale(float[] v) {
        double s = 0;
        for (float x : v) s = Math.max(s, Math.abs(x));
        return s;
    }
}
