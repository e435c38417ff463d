package dev.sftpg.nn;

import dev.sftpg.nn.simd.Simd;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Softplus and its derivative against their closed forms, in float (the fused loops) and in double (libnd4j). */
class ActivationTest {

    /** Normal values of scale 10, the extremes where the naive form overflows, and exact zeros; not a multiple of any vector length. */
    private static double[] inputs(int n) {
        SplittableRandom rng = new SplittableRandom(5);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 10 * rng.nextGaussian();
        double[] special = {0, -0.0, 1e-3, -1e-3, 88.5, -88.5, 100, -100, 1e4, -1e4, 20, -20};
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    private static void check(DataType type, int n) {
        double[] x = inputs(n);
        SplittableRandom rng = new SplittableRandom(6);
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rng.nextGaussian();
        INDArray pre = Nd4j.create(x, new long[]{n / 3, 3}).castTo(type), out = Nd4j.create(type, n / 3, 3),
                scratch = Nd4j.create(type, n / 3, 3), grad = Nd4j.create(g, new long[]{n / 3, 3}).castTo(type);
        double tol = type == DataType.FLOAT ? 2e-6 : 1e-12;
        double[] xs = pre.data().asDouble(); // the inputs as the array holds them (rounded to float)
        Activation.SOFTPLUS.apply(pre, out, scratch);
        double[] y = out.data().asDouble();
        for (int i = 0; i < n; i++) {
            double want = softplus(xs[i]);
            assertEquals(want, y[i], tol * Math.max(1, Math.abs(want)), type + " softplus(" + xs[i] + ")");
        }
        double[] gs = grad.data().asDouble();
        Activation.SOFTPLUS.backward(pre, grad, scratch);
        double[] d = grad.data().asDouble();
        for (int i = 0; i < n; i++) {
            double want = gs[i] / (1 + Math.exp(-xs[i]));
            assertEquals(want, d[i], tol * Math.max(1, Math.abs(want)), type + " softplus'(" + xs[i] + ") * g");
        }
    }

    @Test
    void floatSoftplusIsTheOverflowSafeClosedFormWithItsDerivative() {
        assertTrue(Simd.AVAILABLE, "the test JVM runs with jdk.incubator.vector, so this checks the fused loops");
        check(DataType.FLOAT, 3 * 1001);        // one chunk with a scalar tail
        check(DataType.FLOAT, 3 * 5000);        // several chunks
    }

    @Test
    void doubleSoftplusIsTheSameClosedForm() {
        check(DataType.DOUBLE, 3 * 1001);
    }
}
