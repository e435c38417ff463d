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

    /** Per-row constants of a minibatch whose rows come from arbitrary steps. */
    private record Rows(float[] tau, INDArray a, INDArray b, INDArray invS, double[] logS) {
        static Rows of(SamplerRecord rec, int[] step, DataType dt) {
            int n = step.length;
            float[] tau = new float[n], a = new float[n], b = new float[n], invS = new float[n];
            double[] logS = new double[n];
            for (int r = 0; r < n; r++) {
                int i = step[r];
                tau[r] = (float) rec.tau(i);
                a[r] = (float) rec.a(i);
                b[r] = (float) rec.b(i);
                invS[r] = (float) (1.0 / rec.s(i));
                logS[r] = Math.log(rec.s(i));
            }
            return new Rows(tau, column(a, dt), column(b, dt), column(invS, dt), logS);
        }
    }

    /** Standardised residual z = (x_{i+1} - mean) / s per element, after one network forward. */
    private static INDArray residual(Network net, Rows rows, INDArray x, INDArray xNext) {
        INDArray eps = net.forward(x, rows.tau);
        INDArray mean = x.mulColumnVector(rows.a).addi(eps.mulColumnVector(rows.b));
        return xNext.sub(mean).muliColumnVector(rows.invS);
    }

    /** Returns log p per row, shape [B]. */
    public static INDArray logProb(Network net, SamplerRecord rec, INDArray x, INDArray xNext, int[] step,
                                   LogProbReduction reduction) {
        rec.requireStochastic();
        int batch = (int) x.size(0);
        long dim = x.length() / batch;
        Rows rows = Rows.of(rec, step, x.dataType());
        INDArray z = residual(net, rows, x, xNext);
        double[] out = z.mul(z).sum(1).muli(-0.5).data().asDouble();
        for (int r = 0; r < batch; r++) {
            double v = out[r] - dim * (rows.logS[r] + HALF_LOG_2PI);
            out[r] = reduction == LogProbReduction.MEAN ? v / dim : v;
        }
        return Nd4j.createFromArray(out);
    }

    /**
     * The policy-gradient surrogate {@code L = mean_r(A_r * log p_r)} with the advantages A held constant:
     * returns L and adds dL/d(parameters) to the network's gradients. Minimising L makes transitions that ended
     * in high-cost samples (A > 0) less likely.
     */
    public static double policyGradient(Network net, SamplerRecord rec, INDArray x, INDArray xNext, int[] step,
                                        float[] advantages, LogProbReduction reduction) {
        rec.requireStochastic();
        int batch = (int) x.size(0);
        long dim = x.length() / batch;
        DataType dt = x.dataType();
        Rows rows = Rows.of(rec, step, dt);
        INDArray z = residual(net, rows, x, xNext);
        double norm = reduction == LogProbReduction.MEAN ? 1.0 / dim : 1.0;
        double[] sq = z.mul(z).sum(1).data().asDouble();
        double loss = 0;
        float[] coef = new float[batch];
        for (int r = 0; r < batch; r++) {
            double logp = (-0.5 * sq[r] - dim * (rows.logS[r] + HALF_LOG_2PI)) * norm;
            loss += advantages[r] * logp;
            // d log p / d eps = norm * b * (x' - mean) / s^2 = norm * b * z / s
            coef[r] = (float) (advantages[r] * norm / batch);
        }
        INDArray dEps = z.muliColumnVector(rows.b).muliColumnVector(rows.invS).muliColumnVector(column(coef, dt));
        net.backward(dEps);
        return loss / batch;
    }

    private static INDArray column(float[] v, DataType dt) {
        return Nd4j.create(v, new long[]{v.length, 1}, DataType.FLOAT).castTo(dt);
    }
}
