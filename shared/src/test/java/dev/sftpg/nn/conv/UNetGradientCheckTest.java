package dev.sftpg.nn.conv;

import dev.sftpg.nn.FiniteDifferences;
import dev.sftpg.nn.ParameterStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UNet's hand-written backward pass against central finite differences, in double, on tiny instances. */
class UNetGradientCheckTest {

    /** loss = sum(out * weights), whose gradient w.r.t. out is {@code weights}. */
    private static double loss(UNet net, INDArray x, float[] tau, INDArray weights) {
        return net.forward(x, tau).mul(weights).sumNumber().doubleValue();
    }

    private static void check(UNetSpec spec, int batch) {
        UNet net = spec.build(5, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(11);
        Random r = new Random(4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, spec.sampleSize()).subi(0.5).muli(2);
        float[] tau = new float[batch];
        for (int i = 0; i < batch; i++) tau[i] = 900 * r.nextFloat();
        INDArray weights = Nd4j.rand(DataType.DOUBLE, batch, spec.sampleSize()).subi(0.5);

        ParameterStore store = net.parameters();
        double[] analytic = FiniteDifferences.gradientOf(net, x, tau, weights);
        List<Integer> indices = FiniteDifferences.sampleOfEveryTensor(store, r, 6);
        int checked = FiniteDifferences.assertMatch(store.flatParams(), indices, () -> loss(net, x, tau, weights), analytic,
                1e-6, 1e-6, 1e-5);
        assertTrue(checked > indices.size() * 0.9, "too many zero gradients: " + checked + " of " + indices.size());
    }

    /**
     * Float, the training type, against the gradient-checked double path: the fused SIMD loops (when the JVM has the
     * Vector API) and oneDNN's float kernels, on an image whose smaller level leaves a remainder after the vector
     * lanes.
     */
    @Test
    void floatAgreesWithDouble() {
        UNetSpec spec = new UNetSpec(1, 12, 12, new int[]{8, 12}, 8);
        UNet f = spec.build(5, DataType.FLOAT), d = spec.build(5, DataType.DOUBLE);
        d.parameters().flatParams().assign(f.parameters().flatParams().castTo(DataType.DOUBLE));
        int batch = 3;
        Random r = new Random(9);
        double[] xs = new double[batch * spec.sampleSize()], ws = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 2 * r.nextDouble() - 1;
            ws[i] = r.nextDouble() - 0.5;
        }
        float[] tau = {3, 250, 990};
        long[] shape = {batch, spec.sampleSize()};
        INDArray yf = f.forward(Nd4j.create(xs, shape, DataType.FLOAT), tau).castTo(DataType.DOUBLE);
        INDArray yd = d.forward(Nd4j.create(xs, shape, DataType.DOUBLE), tau);
        assertTrue(relativeDifference(yf, yd) < 1e-5, "outputs differ by " + relativeDifference(yf, yd));
        f.parameters().zeroGrads();
        d.parameters().zeroGrads();
        f.backward(Nd4j.create(ws, shape, DataType.FLOAT));
        d.backward(Nd4j.create(ws, shape, DataType.DOUBLE));
        INDArray gf = f.parameters().flatGrads().castTo(DataType.DOUBLE), gd = d.parameters().flatGrads();
        assertTrue(relativeDifference(gf, gd) < 1e-5, "gradients differ by " + relativeDifference(gf, gd));
    }

    /** |a - b| / |b| in the L2 norm. */
    private static double relativeDifference(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    @Test
    void twoLevelsWithChannelChanges() {
        check(new UNetSpec(1, 4, 4, new int[]{8, 12}, 4), 3);
    }

    @Test
    void threeLevelsOnTwoChannelImages() {
        check(new UNetSpec(2, 8, 8, new int[]{4, 8, 8}, 6), 2);
    }
}
