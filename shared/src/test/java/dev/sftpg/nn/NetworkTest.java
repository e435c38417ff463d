package dev.sftpg.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class NetworkTest {

    @Test
    void referenceToyNetworkHasTheReferenceParameterCount() {
        // ConditionalModel(10): 3 ConditionalLinear layers of width 128 plus Linear(128, 2)
        assertEquals(37_506, MlpSpec.referenceToyEpsilon(2, 10).build(1).parameters().size());
        // fstar_tanh: 2 -> 256 -> 256 -> 1
        assertEquals(2 * 256 + 256 + 256 * 256 + 256 + 256 + 1, MlpSpec.toyCritic(2).build(1).parameters().size());
    }

    @Test
    void flatBlobRoundTripReproducesOutputs() {
        MlpSpec spec = MlpSpec.sinusoidalEpsilon(2, 16, 2, 8);
        ConditionalMlp a = spec.build(1), b = spec.build(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 9, 2);
        float[] tau = {1, 5, 20, 100, 999, 0.5f, 3, 7, 400};
        INDArray outA = a.forward(x, tau).dup();
        assertNotEquals(outA, b.forward(x, tau).dup());
        b.parameters().setFloats(a.parameters().toFloats());
        assertEquals(outA, b.forward(x, tau).dup());
        assertThrows(IllegalArgumentException.class, () -> b.parameters().setFloats(new float[3]));
    }

    @Test
    void parameterViewsAliasTheFlatArray() {
        ConditionalMlp net = MlpSpec.toyCritic(2).build(1);
        ParameterStore s = net.parameters();
        s.param("l0.b").assign(42);
        float[] blob = s.toFloats();
        assertEquals(42f, blob[2 * 256]); // l0.w (2x256) comes first, then l0.b
    }

    @Test
    void oneHotNetworkRefusesContinuousTimesWithAHelpfulMessage() {
        ConditionalMlp net = MlpSpec.referenceToyEpsilon(2, 10).build(1);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.forward(x, new float[]{1.5f, 2}));
        assertTrue(e.getMessage().contains("sinusoidal"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.forward(x, new float[]{10, 2}));
        assertThrows(IllegalArgumentException.class, () -> net.forward(Nd4j.zeros(DataType.FLOAT, 2, 3), new float[]{1, 2}));
    }

    @Test
    void adamFitsALinearRegressionAndClippingBoundsTheStep() {
        // y = 3 x0 - 2 x1 + 0.5 learned by a 1-hidden-layer identity MLP
        MlpSpec spec = new MlpSpec(2, 4, 1, 1, Activation.IDENTITY, null, false, false, false);
        ConditionalMlp net = spec.build(5);
        Optimizer opt = new Optimizer(net.parameters(), Optimizer.Kind.ADAM, 0.02, 0);
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 2).subi(0.5);
        INDArray y = x.getColumn(0).mul(3).sub(x.getColumn(1).mul(2)).add(0.5).reshape(64, 1);
        double loss = 0;
        for (int it = 0; it < 600; it++) {
            INDArray diff = net.forward(x, null).sub(y);
            loss = diff.norm2Number().doubleValue();
            net.backward(diff.muli(2.0 / 64));
            opt.step();
        }
        assertTrue(loss / Math.sqrt(64) < 0.01, "rms error " + loss / 8);

        ConditionalMlp other = spec.build(5);
        Optimizer clipped = new Optimizer(other.parameters(), Optimizer.Kind.ADAM, 0.02, 0.1);
        other.forward(x, null);
        other.backward(Nd4j.ones(DataType.FLOAT, 64, 1).muli(100));
        Optimizer.StepInfo info = clipped.step();
        assertTrue(info.gradNorm() > 0.1);
        assertEquals(0.1, info.clippedNorm(), 1e-9);
        assertEquals(0.0, other.parameters().flatGrads().norm2Number().doubleValue(), "step zeroes the gradients");
    }

    @Test
    void nonFiniteGradientSkipsTheUpdate() {
        ConditionalMlp net = MlpSpec.toyCritic(2).build(3);
        float[] before = net.parameters().toFloats();
        Optimizer opt = new Optimizer(net.parameters(), Optimizer.Kind.ADAM, 1e-3, 0);
        net.parameters().flatGrads().putScalar(0, 5, Double.NaN);
        assertFalse(opt.step().finite());
        assertArrayEquals(before, net.parameters().toFloats());
    }

    @Test
    void emaTracksAnExponentialAverage() {
        ConditionalMlp net = MlpSpec.toyCritic(2).build(3);
        Ema ema = new Ema(net.parameters(), 0.9);
        float[] p0 = net.parameters().toFloats();
        net.parameters().flatParams().addi(1.0);
        ema.update(net.parameters());
        ConditionalMlp shadow = MlpSpec.toyCritic(2).build(4);
        ema.copyTo(shadow.parameters());
        float[] s = shadow.parameters().toFloats();
        for (int i = 0; i < 50; i++) assertEquals(p0[i] + 0.1f, s[i], 1e-5);
    }

    @Test
    void emaBlobsRoundTripIntoAFreshAverage() {
        ConditionalMlp net = MlpSpec.toyCritic(2).build(3);
        Ema ema = new Ema(net.parameters(), 0.9);
        net.parameters().flatParams().addi(1.0);
        ema.update(net.parameters());
        float[] saved = ema.toFloats();
        Ema resumed = new Ema(MlpSpec.toyCritic(2).build(5).parameters(), 0.9);
        resumed.restore(saved);
        assertArrayEquals(saved, resumed.toFloats());
        ConditionalMlp shadow = MlpSpec.toyCritic(2).build(4);
        ema.copyTo(shadow.parameters());
        assertArrayEquals(shadow.parameters().toFloats(), saved, "the blob is what copyTo writes");
        assertThrows(IllegalArgumentException.class, () -> resumed.restore(new float[3]));
    }

    @Test
    void softplusStaysFiniteAndExactForLargeInputs() {
        INDArray pre = Nd4j.createFromArray(new float[]{-200f, -20f, -1f, 0f, 1f, 20f, 100f, 500f}).reshape(1, 8);
        INDArray out = Nd4j.create(DataType.FLOAT, 1, 8), scratch = Nd4j.create(DataType.FLOAT, 1, 8);
        Activation.SOFTPLUS.apply(pre, out, scratch);
        float[] v = out.data().asFloat();
        float[] x = pre.data().asFloat();
        for (int i = 0; i < v.length; i++) {
            double expected = Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])));
            assertEquals(expected, v[i], 1e-6 * Math.max(1, Math.abs(expected)), "softplus(" + x[i] + ")");
        }
    }
}
