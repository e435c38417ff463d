package dev.sftpg.sampler;

import dev.sftpg.schedule.NoiseSchedule;

/**
 * FastDPM's two ways to shorten a T-step DDPM to S steps (Kong and Ping, 2021), computed as the SFT-PG
 * reference does: STEP picks S integer time steps; VAR picks S noise levels whose product matches the
 * full chain's and maps each to a continuous time step. Both, with kappa, become one {@link SamplerRecord}.
 */
public final class FastDpm {
    private FastDpm() {
    }

    /** How the S steps (STEP) or noise levels (VAR) are spaced. */
    public enum Spacing { LINEAR, QUADRATIC }

    /** STEP: the S integer time steps in increasing order, as the reference's get_STEP_step. */
    public static int[] stepSteps(int trainSteps, int s, Spacing spacing) {
        if (s < 2 || s > trainSteps) throw new IllegalArgumentException("FastDPM STEP needs 2 <= S <= T, got S=" + s + ", T=" + trainSteps);
        int[] out = new int[s];
        for (int i = 0; i < s; i++) {
            double v = spacing == Spacing.LINEAR
                    ? Math.floor(i * ((trainSteps - 1.0) / (s - 1.0)))
                    : Math.pow(i * Math.sqrt(trainSteps * 0.8) / (s - 1.0), 2);
            out[i] = (int) v;
        }
        for (int i = 1; i < s; i++)
            if (out[i] <= out[i - 1])
                throw new IllegalArgumentException("FastDPM STEP " + spacing + " spacing gives repeated steps for S=" + s + ", T=" + trainSteps);
        return out;
    }

    /**
     * VAR: the S noise levels eta_0..eta_{S-1} (increasing) whose product of (1 - eta) matches alpha_bar_{T-1},
     * found by bisection exactly as the reference's get_VAR_noise.
     */
    public static double[] varNoise(NoiseSchedule schedule, int s, Spacing spacing) {
        if (s < 2) throw new IllegalArgumentException("FastDPM VAR needs S >= 2, got " + s);
        int t = schedule.steps();
        double beta0 = schedule.beta(0);
        double target = schedule.alphaBar(t - 1);
        java.util.function.DoubleFunction<double[]> g = spacing == Spacing.LINEAR
                ? x -> linspace(beta0, x, s)
                : x -> {
                    double[] v = new double[s];
                    for (int i = 0; i < s; i++) v[i] = beta0 * Math.pow(1 + i * x, 2);
                    return v;
                };
        double lo = spacing == Spacing.LINEAR ? beta0 : 0.0;
        double hi = spacing == Spacing.LINEAR ? 0.99 : 0.95 / Math.sqrt(beta0) / s;
        double x = bisearch(v -> {
            double p = 1;
            for (double e : g.apply(v)) p *= 1 - e;
            return p;
        }, lo, hi, target, 1e-4);
        return g.apply(x);
    }

    /**
     * The continuous network time input for each VAR level, in sampling order (largest first). For a linear
     * beta schedule this is the reference's Stirling-approximation inverse; for any other schedule the time at
     * which log alpha_bar, interpolated linearly between integer steps, equals log gamma_bar.
     */
    public static double[] varContinuousSteps(NoiseSchedule schedule, double[] eta, boolean linearBetas) {
        int tTrain = schedule.steps();
        double[] gammaBar = gammaBar(eta);
        int s = eta.length;
        if (!(gammaBar[0] <= schedule.alphaBar(0) && gammaBar[s - 1] >= schedule.alphaBar(tTrain - 1)))
            throw new IllegalArgumentException("VAR noise levels fall outside the trained chain's range");
        double[] steps = new double[s];
        double beta0 = schedule.beta(0), betaT = schedule.beta(tTrain - 1);
        for (int k = 0; k < s; k++) {
            int t = s - 1 - k;
            double target = Math.log(gammaBar[t]);
            double adapted = tTrain - 1;
            for (int i = 0; i < tTrain - 1; i++) {
                if (schedule.alphaBar(i) >= gammaBar[t] && gammaBar[t] > schedule.alphaBar(i + 1)) {
                    if (linearBetas) {
                        adapted = bisearch(u -> logContNoise(u, beta0, betaT, tTrain), i - 0.01, i + 1.01, target, 1e-8);
                    } else {
                        double la = Math.log(schedule.alphaBar(i)), lb = Math.log(schedule.alphaBar(i + 1));
                        adapted = i + (target - la) / (lb - la);
                    }
                    break;
                }
            }
            steps[k] = adapted;
        }
        return steps;
    }

    /**
     * Cumulative products of (1 - eta), accumulated in float32 as the reference does; the multipliers derived
     * from them then agree with the reference to ~1e-6 instead of ~1e-4.
     */
    static double[] gammaBar(double[] eta) {
        double[] out = new double[eta.length];
        float p = 1f;
        for (int i = 0; i < eta.length; i++) {
            float f = (float) (1.0 - eta[i]);
            p = i == 0 ? f : p * f;
            out[i] = p;
        }
        return out;
    }

    /** FastDPM VAR as a sampler record: kappa scales the DDIM-style sigma; the last step uses {@code finalStd}. */
    public static SamplerRecord var(NoiseSchedule schedule, int s, Spacing spacing, double kappa, double finalStd,
                                    boolean linearBetas) {
        double[] eta = varNoise(schedule, s, spacing);
        double[] tau = varContinuousSteps(schedule, eta, linearBetas);
        double[] gammaBar = gammaBar(eta);
        double[] cur = new double[s], next = new double[s];
        for (int i = 0; i < s; i++) {
            cur[i] = gammaBar[s - 1 - i];
            next[i] = i == s - 1 ? 1.0 : gammaBar[s - 2 - i];
        }
        return fromAlphaBars("fastdpm-var-" + s, tau, cur, next, kappa, finalStd);
    }

    /** FastDPM STEP (equivalently DDIM with eta = kappa) as a sampler record. */
    public static SamplerRecord step(NoiseSchedule schedule, int s, Spacing spacing, double kappa, double finalStd,
                                     String name) {
        int[] steps = stepSteps(schedule.steps(), s, spacing);
        double[] tau = new double[s], cur = new double[s], next = new double[s];
        for (int i = 0; i < s; i++) {
            int t = steps[s - 1 - i];
            tau[i] = t;
            cur[i] = schedule.alphaBar(t);
            next[i] = i == s - 1 ? 1.0 : schedule.alphaBar(steps[s - 2 - i]);
        }
        return fromAlphaBars(name, tau, cur, next, kappa, finalStd);
    }

    /** The generalized (DDIM / FastDPM) update between two cumulative noise levels. */
    private static SamplerRecord fromAlphaBars(String name, double[] tau, double[] cur, double[] next, double kappa,
                                               double finalStd) {
        if (!(kappa >= 0 && kappa <= 1)) throw new IllegalArgumentException("kappa/eta must lie in [0, 1], got " + kappa);
        int s = tau.length;
        double[] a = new double[s], b = new double[s], std = new double[s];
        for (int i = 0; i < s; i++) {
            boolean last = i == s - 1;
            double sigma = last ? 0.0 : kappa * Math.sqrt((1 - next[i]) / (1 - cur[i]) * (1 - cur[i] / next[i]));
            a[i] = Math.sqrt(next[i] / cur[i]);
            b[i] = Math.sqrt(1 - next[i] - sigma * sigma) - Math.sqrt(1 - cur[i]) * a[i];
            std[i] = last ? finalStd : sigma;
        }
        return new SamplerRecord(name, tau, a, b, std);
    }

    /** Smallest-x style bisection of the reference (stops once f(x) is within eps of target). */
    static double bisearch(java.util.function.DoubleUnaryOperator f, double left, double right, double target, double eps) {
        double sign = target < 0 ? -1 : 1;
        double x = (left + right) / 2;
        for (int k = 0; k < 1000; k++) {
            x = (left + right) / 2;
            double fx = f.applyAsDouble(x);
            if (fx < target) right = x;
            else if (fx > (1 + sign * eps) * target) left = x;
            else break;
        }
        return x;
    }

    private static double logGamma(double x) {
        double y = x - 1;
        return Math.log(2 * Math.PI * y) / 2 + y * (Math.log(y) - 1) + Math.log(1 + 1 / (12 * y));
    }

    /** log alpha_bar at continuous time t for a linear beta schedule (Stirling approximation). */
    static double logContNoise(double t, double beta0, double betaT, int tTrain) {
        double deltaBeta = (betaT - beta0) / (tTrain - 1);
        double c = (1.0 - beta0) / deltaBeta;
        double t1 = t + 1;
        return t1 * Math.log(deltaBeta) + logGamma(c + 1) - logGamma(c - t1 + 1);
    }

    private static double[] linspace(double a, double b, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = n == 1 ? a : a + (b - a) * i / (n - 1);
        return v;
    }
}
