package dev.sftpg.sampler;

import dev.sftpg.schedule.NoiseSchedule;

/**
 * A discrete-time DDPM of N steps seen as a continuous-time VP diffusion, the recipe of the DPM-Solver paper for
 * discrete-time models: step n = 0..N-1 sits at time t_n = (n + 1) / N, and log alpha_t (alpha_t = sqrt(alphaBar))
 * is linear in t between those times, so alpha_t = sqrt(alphaBar_n) exactly at t_n. Then sigma_t = sqrt(1 - alpha_t^2)
 * and lambda_t = log alpha_t - log sigma_t (half the log-SNR), strictly decreasing in t, so it has an inverse.
 * Solvers run from t = 1 (step N-1) down to t = 1/N (step 0).
 *
 * <p>The network was trained on the integer input tau = n at t_n, so its time input at any t is
 * {@code tau = N t - 1}, on its own 0..N-1 scale. (The official code feeds {@code (t - 1/N) * 1000}, the same for
 * N = 1000, because its networks take 0..1000 whatever N is.) Between integer steps the network thus sees the times
 * whose log alphaBar is interpolated linearly, as FastDPM VAR's continuous steps are for non-linear schedules.
 */
final class DiscreteVp {
    private final int n;
    private final double[] logAlpha;

    DiscreteVp(NoiseSchedule schedule) {
        n = schedule.steps();
        if (n < 2) throw new IllegalArgumentException("DPM-Solver needs a diffusion of at least 2 steps, got " + n);
        logAlpha = new double[n];
        for (int k = 0; k < n; k++) logAlpha[k] = 0.5 * Math.log(schedule.alphaBar(k));
    }

    /** N, the number of discrete steps. */
    int steps() {
        return n;
    }

    /** The last time a solver reaches: t_0 = 1/N, the first discrete step. */
    double tEnd() {
        return 1.0 / n;
    }

    /** The network's time input at t: tau = N t - 1. */
    double tau(double t) {
        return n * t - 1.0;
    }

    /** log alpha_t, linear in t between the steps' times (and along the end segments beyond them). */
    double logAlpha(double t) {
        double u = tau(t);
        int k = (int) Math.max(0, Math.min(n - 2, Math.floor(u)));
        return logAlpha[k] + (u - k) * (logAlpha[k + 1] - logAlpha[k]);
    }

    double alpha(double t) {
        return Math.exp(logAlpha(t));
    }

    double sigma(double t) {
        return Math.sqrt(-Math.expm1(2 * logAlpha(t)));
    }

    /** lambda_t = log alpha_t - log sigma_t. */
    double lambda(double t) {
        double la = logAlpha(t);
        return la - 0.5 * Math.log(-Math.expm1(2 * la));
    }

    /** The time whose lambda_t is {@code lambda}: log alpha = -log(1 + e^(-2 lambda)) / 2, then the segment holding it. */
    double inverseLambda(double lambda) {
        double la = lambda < 0 ? lambda - 0.5 * Math.log1p(Math.exp(2 * lambda)) : -0.5 * Math.log1p(Math.exp(-2 * lambda));
        // logAlpha decreases with k: find the segment [k, k+1] with logAlpha[k] >= la >= logAlpha[k+1]
        int lo = 0, hi = n - 1;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (logAlpha[mid] >= la) lo = mid;
            else hi = mid;
        }
        double u = lo + (la - logAlpha[lo]) / (logAlpha[lo + 1] - logAlpha[lo]);
        return (u + 1.0) / n;
    }
}
