package dev.sftpg.sampler;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.ParameterStore;
import dev.sftpg.schedule.NoiseSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact noise predictor for data N(m, s^2 I) in 2-D. With x_t = a x0 + sigma eps (a = sqrt(alphaBar),
 * sigma = sqrt(1 - alphaBar)), x_t ~ N(a m, (a^2 s^2 + sigma^2) I) and
 * <pre>eps*(x_t) = E[eps | x_t] = sigma (x_t - a m) / (a^2 s^2 + sigma^2).</pre>
 * At a continuous time input tau, log alphaBar is interpolated linearly between the integer steps around it (the
 * continuous-time view DPM-Solver takes of a discrete DDPM), so the probability-flow ODE of this schedule keeps the
 * standardised point (x - a m) / sqrt(a^2 s^2 + sigma^2) fixed: its exact solution is affine in the start.
 * Computed in double on the host from the float input; like a real network it writes every output into one buffer it
 * owns, so a caller that keeps an output across calls must copy it.
 */
final class GaussianEps implements Network {
    private final NoiseSchedule schedule;
    private final double[] m;
    private final double s;
    private INDArray out;

    GaussianEps(NoiseSchedule schedule, double[] m, double s) {
        this.schedule = schedule;
        this.m = m.clone();
        this.s = s;
    }

    /** alphaBar at a continuous tau in [0, T-1]: log alphaBar linear between integer steps. */
    double alphaBarAt(double tau) {
        int t = schedule.steps();
        int lo = (int) Math.max(0, Math.min(t - 2, Math.floor(tau)));
        double f = tau - lo;
        return Math.exp((1 - f) * Math.log(schedule.alphaBar(lo)) + f * Math.log(schedule.alphaBar(lo + 1)));
    }

    /** The exact probability-flow ODE map of {@code xStart} at noise level alphaBarStart to noise level alphaBarEnd (1: data). */
    double[] exact(double[] xStart, double alphaBarStart, double alphaBarEnd) {
        double aS = Math.sqrt(alphaBarStart), aE = Math.sqrt(alphaBarEnd);
        double sdS = Math.sqrt(aS * aS * s * s + 1 - alphaBarStart), sdE = Math.sqrt(aE * aE * s * s + 1 - alphaBarEnd);
        double[] out = new double[xStart.length];
        for (int i = 0; i < out.length; i++) {
            double mu = m[i % m.length];
            out[i] = aE * mu + sdE * (xStart[i] - aS * mu) / sdS;
        }
        return out;
    }

    @Override
    public INDArray forward(INDArray x, float[] tau) {
        int rows = (int) x.size(0), dim = (int) x.size(1);
        float[] in = x.dup().data().asFloat();
        float[] eps = new float[in.length];
        for (int r = 0; r < rows; r++) {
            double ab = alphaBarAt(tau[r]);
            double a = Math.sqrt(ab), sigma2 = 1 - ab;
            double scale = Math.sqrt(sigma2) / (ab * s * s + sigma2);
            for (int j = 0; j < dim; j++) eps[r * dim + j] = (float) (scale * (in[r * dim + j] - a * m[j]));
        }
        if (out == null || out.size(0) != rows) out = Nd4j.create(DataType.FLOAT, rows, dim);
        return out.assign(Nd4j.create(eps, new long[]{rows, dim}, DataType.FLOAT));
    }

    @Override
    public void backward(INDArray gradOut) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ParameterStore parameters() {
        throw new UnsupportedOperationException();
    }

    @Override
    public int inputDim() {
        return m.length;
    }

    @Override
    public int outputDim() {
        return m.length;
    }
}
