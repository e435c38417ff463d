package dev.sftpg.nn.conv;

import dev.sftpg.nn.FiniteDifferences;
import dev.sftpg.nn.ParameterStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image critic: its shapes, a hand-computed case, and its backward pass against central finite differences in double. */
class ConvCriticTest {

    private static double loss(ConvCritic net, INDArray x, INDArray weights) {
        return net.forward(x, null).mul(weights).sumNumber().doubleValue();
    }

    private static void check(ConvCriticSpec spec, int batch) {
        ConvCritic net = spec.build(5, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(11);
        Random r = new Random(4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, spec.inputDim()).subi(0.5).muli(2);
        INDArray weights = Nd4j.rand(DataType.DOUBLE, batch, 1).subi(0.5);
        ParameterStore store = net.parameters();
        double[] analytic = FiniteDifferences.gradientOf(net, x, null, weights);
        List<Integer> indices = FiniteDifferences.sampleOfEveryTensor(store, r, 8);
        int checked = FiniteDifferences.assertMatch(store.flatParams(), indices, () -> loss(net, x, weights), analytic,
                1e-6, 1e-7, 1e-5);
        assertTrue(checked > indices.size() * 0.8, "too many zero gradients: " + checked + " of " + indices.size());
    }

    @Test
    void gradientsMatchFiniteDifferencesWithAFullHeadKernel() {
        check(new ConvCriticSpec(1, 16, 16, new int[]{3, 4}), 3); // 16 -> 8 -> 4, head 4x4 to 1x1
    }

    @Test
    void gradientsMatchFiniteDifferencesWithAnAveragedMapAndOddSides() {
        check(new ConvCriticSpec(2, 14, 11, new int[]{3}), 2); // 14x11 -> 7x5, head 4x4 to a 4x2 map
    }

    @Test
    void gradientsMatchFiniteDifferencesWhenFewPixelsRemain() {
        check(new ConvCriticSpec(1, 8, 8, new int[]{2, 3}), 2); // 8 -> 4 -> 2, head 2x2
    }

    @Test
    void fashionMnistCriticHasThePaddingOfTheReference() {
        ConvCriticSpec spec = new ConvCriticSpec(1, 28, 28, new int[]{64, 128});
        ConvCritic net = spec.build(0, DataType.FLOAT);
        // 1*64*16 + 64 + 64*128*16 + 128 + 128*16 + 1
        assertEquals(1_024 + 64 + 131_072 + 128 + 2_048 + 1, net.parameters().size());
        assertArrayEquals(new long[]{5, 1}, net.forward(Nd4j.rand(DataType.FLOAT, 5, 784), null).shape());
        assertTrue(spec.toString().contains("(7x7)") && spec.toString().contains("(4x4), mean"), spec.toString());
        assertThrows(IllegalArgumentException.class, () -> new ConvCriticSpec(1, 6, 6, new int[]{4, 4, 4}));
    }

    /** One 4x4/2 layer with padding 1 on a 2x2 image, every weight 1: each of the 1x1 outputs sums the image. */
    @Test
    void aHandComputedCase() {
        ConvCriticSpec spec = new ConvCriticSpec(1, 2, 2, new int[]{1});
        ConvCritic net = spec.build(0, DataType.DOUBLE);
        ParameterStore p = net.parameters();
        p.param("layer0.w").assign(1);
        p.param("layer0.b").assign(-1);
        p.param("head.w").assign(2);
        p.param("head.b").assign(0.5);
        INDArray x = Nd4j.createFromArray(new double[][]{{1, 2, 3, 4}, {-1, -2, -3, -4}});
        INDArray f = net.forward(x, null);
        // row 0: lrelu(10 - 1) = 9, head 2 * 9 + 0.5; row 1: lrelu(-10 - 1) = -2.2, head -4.4 + 0.5
        assertEquals(18.5, f.getDouble(0, 0), 1e-12);
        assertEquals(-3.9, f.getDouble(1, 0), 1e-6); // libnd4j keeps the slope as a float
    }
}
