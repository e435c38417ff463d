package dev.sftpg.schedule;

/**
 * The forward diffusion process of a DDPM: betas over T steps and the quantities derived from them.
 * Values are kept in double; samplers narrow to float only where tensors are built.
 */
public final class NoiseSchedule {
    private final double[] betas;
    private final double[] alphas;
    private final double[] alphaBar;
    private final double[] betaTilde;

    public NoiseSchedule(double[] betas) {
        if (betas.length == 0) throw new IllegalArgumentException("empty beta schedule");
        this.betas = betas.clone();
        int t = betas.length;
        alphas = new double[t];
        alphaBar = new double[t];
        betaTilde = new double[t];
        double prod = 1.0;
        for (int i = 0; i < t; i++) {
            if (!(betas[i] > 0 && betas[i] < 1))
                throw new IllegalArgumentException("beta[" + i + "] = " + betas[i] + " must lie in (0, 1)");
            alphas[i] = 1.0 - betas[i];
            double prev = prod;
            prod *= alphas[i];
            alphaBar[i] = prod;
            // posterior variance of q(x_{t-1} | x_t, x_0); at t = 0 it is 0 by definition
            betaTilde[i] = i == 0 ? 0.0 : betas[i] * (1.0 - prev) / (1.0 - prod);
        }
    }

    public static NoiseSchedule of(BetaSchedule shape, int steps, double start, double end) {
        return new NoiseSchedule(shape.betas(steps, start, end));
    }

    public int steps() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[t];
    }

    public double alpha(int t) {
        return alphas[t];
    }

    public double alphaBar(int t) {
        return alphaBar[t];
    }

    public double betaTilde(int t) {
        return betaTilde[t];
    }

    public double[] betas() {
        return betas.clone();
    }

    public double[] alphaBars() {
        return alphaBar.clone();
    }
}
