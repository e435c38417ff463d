package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import dev.sftpg.nn.simd.Simd;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GroupNorm with its SiLU fused against the two layers one after the other: the same bits, forward and backward. */
class GroupNormSiluTest {

    private static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    private static void compare(DataType dt, long... shape) {
        int channels = (int) shape[1];
        ParameterStore.Builder pf = new ParameterStore.Builder(), pa = new ParameterStore.Builder();
        GroupNorm fused = GroupNorm.withSilu(pf, "n", channels, GroupNorm.groupsFor(channels));
        GroupNorm plain = new GroupNorm(pa, "n", channels, GroupNorm.groupsFor(channels));
        Silu silu = new Silu();
        ParameterStore sf = pf.build(dt, 1), sa = pa.build(dt, 1);
        Nd4j.getRandom().setSeed(3);
        INDArray params = Nd4j.rand(dt, sf.flatParams().shape()).muli(2).subi(0.5); // gains and biases off their init
        sf.flatParams().assign(params);
        sa.flatParams().assign(params);
        fused.bind(sf);
        plain.bind(sa);
        for (int round = 0; round < 3; round++) { // kept buffers reused
            INDArray x = Nd4j.randn(dt, shape).muli(3).addi(0.5), dy = Nd4j.randn(dt, shape);
            sf.zeroGrads();
            sa.zeroGrads();
            float[] yf = floats(fused.forward(x)), ya = floats(silu.forward(plain.forward(x)));
            assertArrayEquals(ya, yf, "forward " + java.util.Arrays.toString(shape));
            float[] dxf = floats(fused.backward(dy)), dxa = floats(plain.backward(silu.backward(dy)));
            assertArrayEquals(dxa, dxf, "backward " + java.util.Arrays.toString(shape));
            assertArrayEquals(floats(sa.flatGrads()), floats(sf.flatGrads()), "gain and bias gradients");
        }
    }

    @Test
    void fusedIsBitForBitTheTwoLayers() {
        assertTrue(Simd.AVAILABLE, "the tests run with the Vector API (jdk.incubator.vector), as the launcher does");
        compare(DataType.FLOAT, 4, 16, 28, 28);
        compare(DataType.FLOAT, 3, 32, 7, 7); // rows of 49: a scalar tail after the vector lanes
        compare(DataType.FLOAT, 2, 12, 14, 14);
    }

    @Test
    void withoutTheFusedLoopsItIsStillTheTwoLayers() {
        compare(DataType.DOUBLE, 2, 8, 5, 5);
    }
}
