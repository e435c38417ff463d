package dev.sftpg.nn.conv;

import dev.sftpg.nn.simd.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch split over replicas of the UNet (data parallelism) against the same batch in one piece. Every sample goes
 * through the same layers, but the matrix products and oneDNN's kernels may block a smaller batch differently, so the
 * outputs agree to a few float ulps, not to the bit; the summed gradients also differ in the order of the sums.
 */
class UNetBatchSplitTest {

    @AfterEach
    void restore() {
        Parallel.setBatchSplit(1);
    }

    @Test
    void splitBatchGivesTheSameOutputsAndGradients() {
        UNetSpec spec = new UNetSpec(1, 12, 12, new int[]{8, 12}, 8);
        UNet whole = spec.build(5, DataType.FLOAT), split = spec.build(5, DataType.FLOAT);
        int batch = 21; // parts of 10 and 11 rows, or 7 each
        Random r = new Random(3);
        float[] xs = new float[batch * spec.sampleSize()], ws = new float[xs.length], tau = new float[batch];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 2 * r.nextFloat() - 1;
            ws[i] = r.nextFloat() - 0.5f;
        }
        for (int i = 0; i < batch; i++) tau[i] = 999 * r.nextFloat();
        INDArray x = Nd4j.create(xs, new long[]{batch, spec.sampleSize()}, DataType.FLOAT);
        INDArray g = Nd4j.create(ws, new long[]{batch, spec.sampleSize()}, DataType.FLOAT);

        float[] want = whole.forward(x, tau).dup().data().asFloat();
        whole.backward(g);
        float[] wantGrad = whole.parameters().flatGrads().dup().data().asFloat();
        for (int parts : new int[]{2, 3}) {
            Parallel.setBatchSplit(parts);
            for (int round = 0; round < 2; round++) { // the second round reuses the replicas and their buffers
                split.parameters().zeroGrads();
                float[] got = split.forward(x, tau).dup().data().asFloat();
                split.backward(g);
                assertClose(want, got, 1e-6, parts + " parts: output");
                assertClose(wantGrad, split.parameters().flatGrads().dup().data().asFloat(), 1e-5, parts + " parts: gradient");
            }
        }
        // the replicas share the weights: a change to them shows in every part
        split.parameters().flatParams().muli(0.5);
        whole.parameters().flatParams().muli(0.5);
        Parallel.setBatchSplit(2);
        assertClose(whole.forward(x, tau).dup().data().asFloat(), split.forward(x, tau).dup().data().asFloat(), 1e-6, "halved weights: output");
    }

    /** Every element within {@code relative} of the largest |want|. */
    private static void assertClose(float[] want, float[] got, double relative, String what) {
        assertEquals(want.length, got.length);
        double scale = 0;
        for (float v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < want.length; i++)
            assertTrue(Math.abs(got[i] - want[i]) <= relative * scale, what + " " + i + ": " + got[i] + " against " + want[i]);
    }

    @Test
    void smallBatchesStayWhole() {
        UNetSpec spec = new UNetSpec(1, 8, 8, new int[]{4}, 4);
        UNet net = spec.build(1, DataType.FLOAT);
        Parallel.setBatchSplit(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, UNet.MIN_SPLIT_ROWS * 2 - 1, spec.sampleSize());
        float[] tau = new float[(int) x.size(0)];
        net.forward(x, tau);
        net.backward(Nd4j.ones(DataType.FLOAT, x.shape()));
        assertTrue(net.parameters().flatGrads().norm2Number().doubleValue() > 0);
    }
}
