package dev.sftpg.nn.conv;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class ScratchTest {

    @Test
    void alternatingShapesReuseTheirArrays() {
        Scratch s = new Scratch();
        INDArray a = s.get("y", DataType.FLOAT, 2, 3), b = s.get("y", DataType.FLOAT, 4, 3);
        assertNotSame(a, b);
        for (int i = 0; i < 5; i++) {
            assertSame(a, s.get("y", DataType.FLOAT, 2, 3));
            assertSame(b, s.get("y", DataType.FLOAT, 4, 3));
        }
        assertNotSame(a, s.get("y", DataType.DOUBLE, 2, 3), "another data type is another array");
        INDArray ones = s.ones("ones", DataType.FLOAT, 5), ones7 = s.ones("ones", DataType.FLOAT, 7);
        assertSame(ones, s.ones("ones", DataType.FLOAT, 5));
        assertSame(ones7, s.ones("ones", DataType.FLOAT, 7));
        assertEquals(5.0, ones.sumNumber().doubleValue());
    }

    @Test
    void theLeastRecentlyUsedShapeIsDropped() {
        Scratch s = new Scratch();
        INDArray first = s.get("y", DataType.FLOAT, 1, 3);
        INDArray second = s.get("y", DataType.FLOAT, 2, 3);
        s.get("y", DataType.FLOAT, 3, 3);
        assertSame(first, s.get("y", DataType.FLOAT, 1, 3), "used again: now the most recent");
        s.get("y", DataType.FLOAT, 4, 3); // drops the [2, 3] array, the least recently used
        assertEquals(Scratch.SHAPES_PER_KEY, s.kept("y"));
        assertNotSame(second, s.get("y", DataType.FLOAT, 2, 3));
        assertSame(first, s.get("y", DataType.FLOAT, 1, 3));
    }

    /** Kept buffers of one batch size must not leak into another's results: a network alternating sizes computes as a fresh one. */
    @Test
    void aNetworkAlternatingBatchSizesComputesAsAFreshOne() {
        UNetSpec spec = new UNetSpec(1, 12, 12, new int[]{8, 12}, 8);
        UNet alternating = spec.build(5, DataType.FLOAT);
        Random r = new Random(3);
        INDArray small = Nd4j.rand(DataType.FLOAT, 2, spec.sampleSize()), large = Nd4j.rand(DataType.FLOAT, 5, spec.sampleSize());
        float[] tauSmall = {10, 500}, tauLarge = new float[5];
        for (int i = 0; i < 5; i++) tauLarge[i] = r.nextInt(1000);
        INDArray grad = Nd4j.rand(DataType.FLOAT, 2, spec.sampleSize());

        UNet fresh = spec.build(5, DataType.FLOAT);
        float[] want = fresh.forward(small, tauSmall).data().asFloat();
        fresh.backward(grad);
        float[] wantGrads = fresh.parameters().flatGrads().toFloatVector();

        for (int round = 0; round < 3; round++) {
            alternating.parameters().zeroGrads();
            alternating.forward(large, tauLarge);
            float[] got = alternating.forward(small, tauSmall).data().asFloat();
            alternating.backward(grad);
            assertArrayEquals(want, got, "forward, round " + round);
            assertArrayEquals(wantGrads, alternating.parameters().flatGrads().toFloatVector(), "gradients, round " + round);
            alternating.forward(large, tauLarge);
        }
    }
}
