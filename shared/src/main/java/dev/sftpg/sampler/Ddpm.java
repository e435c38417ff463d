package dev.sftpg.sampler;

import dev.sftpg.schedule.NoiseSchedule;


/** Ancestral DDPM sampling over all T steps as a {@link SamplerRecord}. */
public final class Ddpm {
    private Ddpm() {
    }

    /** Which reverse-process variance to use: beta_t ("large", the toy reference) or the posterior's ("small"). */
    public enum Variance {
        LARGE, SMALL;

        public static Variance parse(String s) {
            return dev.sftpg.util.Enums.parse(Variance.class, s, "DDPM variance");
        }
    }

    /**
     * x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) * eps) / sqrt(alpha_t) + sigma_t z, for t = T-1 .. 0.
     * With the small variance the last step's sigma (0 in theory) is {@code finalStd}.
     */
    public static SamplerRecord ancestral(NoiseSchedule schedule, Variance variance, double finalStd) {
        int n = schedule.steps();
        double[] tau = new double[n], a = new double[n], b = new double[n], s = new double[n];
        for (int i = 0; i < n; i++) {
            int t = n - 1 - i;
            tau[i] = t;
            a[i] = 1.0 / Math.sqrt(schedule.alpha(t));
            b[i] = -schedule.beta(t) / Math.sqrt(1.0 - schedule.alphaBar(t)) * a[i];
            s[i] = variance == Variance.LARGE ? Math.sqrt(schedule.beta(t))
                    : (t == 0 ? finalStd : Math.sqrt(schedule.betaTilde(t)));
        }
        return new SamplerRecord("ddpm-" + n, tau, a, b, s);
    }
}
