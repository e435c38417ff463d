package dev.sftpg.sampler;

import dev.sftpg.nn.Network;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The policy's log-density of transitions x_i -> x_{i+1} under the same {@link SamplerRecord} that produced
 * them: N(x_{i+1}; a_i x_i + b_i eps(x_i, tau_i), s_i^2 I), reduced over dimensions by sum or mean.
 * Rows may come from different steps (a shuffled replay minibatch).
 */
public final class TransitionLogProb {
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    private TransitionLogProb() {
    }

    /** Returns log p per row, shape [B]. */
    public static INDArray logProb(Network net, SamplerRecord rec, INDArray x, INDArray xNext, int[] step,
                                   LogProbReduction reduction) {
        rec.requireStochastic();
        int batch = (int) x.size(0);
        long dim = x.length() / batch;
        float[] tau = new float[batch], a = new float[batch], b = new float[batch], invS = new float[batch];
        double[] logS = new double[batch];
        for (int r = 0; r < batch; r++) {
            int i = step[r];
            tau[r] = (float) rec.tau(i);
            a[r] = (float) rec.a(i);
            b[r] = (float) rec.b(i);
            invS[r] = (float) (1.0 / rec.s(i));
            logS[r] = Math.log(rec.s(i));
        }
        INDArray eps = net.forward(x, tau);
        INDArray mean = x.mulColumnVector(column(a)).addi(eps.mulColumnVector(column(b)));
        INDArray z = xNext.sub(mean).muliColumnVector(column(invS));
        INDArray sq = z.muli(z).sum(1).muli(-0.5);
        double[] out = sq.data().asDouble();
        for (int r = 0; r < batch; r++) {
            double v = out[r] - dim * (logS[r] + HALF_LOG_2PI);
            out[r] = reduction == LogProbReduction.MEAN ? v / dim : v;
        }
        return Nd4j.createFromArray(out);
    }

    private static INDArray column(float[] v) {
        return Nd4j.create(v, new long[]{v.length, 1}, DataType.FLOAT);
    }
}
