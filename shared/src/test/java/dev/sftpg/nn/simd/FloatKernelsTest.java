package dev.sftpg.nn.simd;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused loops' exp and log1p against {@code Math}'s, and their results against their scalar twins bit for bit
 * while the JIT compiles them: a run repeats exactly only if a loop gives the same bits interpreted and compiled.
 */
class FloatKernelsTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();
    /** Enough calls for the loops to be compiled by C2 (the Vector API's intrinsics) part-way through. */
    private static final int CALLS = 1500;

    private static float ulpError(float got, double want) {
        return (float) (Math.abs(got - want) / Math.ulp((float) want));
    }

    @Test
    void expIsWithinTwoUlpsOverFloatsRangeAndSaturatesAtItsEnds() {
        float worst = 0;
        for (float x = -87f; x <= 88f; x += 0.00037f) worst = Math.max(worst, ulpError(FloatKernels.exp(x), Math.exp(x)));
        assertTrue(worst <= 2, "worst error " + worst + " ulps");
        assertEquals(1f, FloatKernels.exp(0f));
        assertEquals(1f, FloatKernels.exp(-0f));
        assertTrue(FloatKernels.exp(-1e4f) > 0 && FloatKernels.exp(-1e4f) < 1.2e-38f, "underflow stays a tiny normal");
        assertTrue(Float.isFinite(FloatKernels.exp(1e4f)) && FloatKernels.exp(1e4f) > 1e38f, "overflow saturates finite");
        assertTrue(Float.isNaN(FloatKernels.exp(Float.NaN)));
    }

    @Test
    void log1pOfTheUnitIntervalIsWithinTwoUlps() {
        float worst = 0;
        for (float e = 1e-30f; e <= 1f; e = e < 1e-6f ? e * 1.5f : e + 1.1e-6f)
            worst = Math.max(worst, ulpError(FloatKernels.log1pUnit(e), Math.log1p(e)));
        assertTrue(worst <= 2, "worst error " + worst + " ulps");
        assertEquals(0f, FloatKernels.log1pUnit(0f));
    }

    /** Scale-10 normals and the extremes, not a multiple of any vector length (the scalar tail runs too). */
    private static float[] inputs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (10 * rng.nextGaussian());
        float[] special = {0, -0f, 88.5f, -88.5f, 1e4f, -1e4f, 20, -20};
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    private static INDArray array(float[] v) {
        return Nd4j.createFromArray(v.clone());
    }

    @Test
    void softplusAndSigmoidLoopsGiveTheirScalarTwinsBitsInterpretedAndCompiled() {
        int n = 4096 + 3;
        float[] x = inputs(n, 1), g = inputs(n, 2);
        float[] softplus = new float[n], gradient = new float[n], silu = new float[n], sigmoid = new float[n];
        for (int i = 0; i < n; i++) {
            softplus[i] = FloatKernels.softplus(x[i]);
            sigmoid[i] = FloatKernels.sigmoid(x[i]);
            gradient[i] = g[i] / (FloatKernels.exp(-x[i]) + 1f);
            silu[i] = x[i] * sigmoid[i];
        }
        INDArray in = array(x), out = Nd4j.create(DataType.FLOAT, n), s = Nd4j.create(DataType.FLOAT, n);
        for (int call = 0; call < CALLS; call++) {
            FloatKernels.softplus(in, out);
            assertArrayBits(softplus, out, "softplus, call " + call);
            INDArray grad = array(g);
            FloatKernels.mulSigmoid(in, grad);
            assertArrayBits(gradient, grad, "softplus' * g, call " + call);
            FloatKernels.silu(in, out, s);
            assertArrayBits(sigmoid, s, "sigmoid, call " + call);
            assertArrayBits(silu, out, "silu, call " + call);
        }
    }

    @Test
    void rowMomentsSumLanesLeftToRightInterpretedAndCompiled() {
        int rows = 6, n = 7 * LANES + 5;
        float[] x = inputs(rows * n, 3);
        double[] wantMean = new double[rows], wantInvStd = new double[rows];
        int bound = n - n % LANES;
        for (int r = 0; r < rows; r++) {
            float[] acc = new float[LANES];
            for (int i = 0; i < bound; i++) acc[i % LANES] += x[r * n + i];
            double sum = 0;
            for (float a : acc) sum += a;
            for (int i = bound; i < n; i++) sum += x[r * n + i];
            float m = (float) (sum / n);
            float[] sq = new float[LANES];
            for (int i = 0; i < bound; i++) {
                float d = x[r * n + i] - m;
                sq[i % LANES] = Math.fma(d, d, sq[i % LANES]);
            }
            double q = 0;
            for (float a : sq) q += a;
            for (int i = bound; i < n; i++) {
                double d = x[r * n + i] - m;
                q += d * d;
            }
            wantMean[r] = m;
            wantInvStd[r] = 1 / Math.sqrt(q / n + 1e-5);
        }
        INDArray in = array(x);
        double[] mean = new double[rows], invStd = new double[rows];
        for (int call = 0; call < CALLS * 4; call++) {
            FloatKernels.moments(in, rows, n, 1e-5, mean, invStd);
            for (int r = 0; r < rows; r++) {
                assertEquals(wantMean[r], mean[r], 0, "mean of row " + r + ", call " + call);
                assertEquals(wantInvStd[r], invStd[r], 0, "1/std of row " + r + ", call " + call);
            }
        }
    }

    private static void assertArrayBits(float[] want, INDArray got, String what) {
        float[] g = got.toFloatVector();
        for (int i = 0; i < want.length; i++)
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(g[i]))
                throw new AssertionError(what + ": element " + i + " is " + g[i] + ", its scalar twin " + want[i]);
    }
}
