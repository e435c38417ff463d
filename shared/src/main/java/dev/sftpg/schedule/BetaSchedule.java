package dev.sftpg.schedule;

import java.util.Locale;

/** The shapes of beta_t over the T training steps; names are the ones presets use. */
public enum BetaSchedule {
    LINEAR, QUADRATIC, SIGMOID;

    /** betas[0..T-1] from {@code start} to {@code end}, as the reference's make_beta_schedule builds them. */
    public double[] betas(int steps, double start, double end) {
        if (steps < 1) throw new IllegalArgumentException("number of diffusion steps must be >= 1, got " + steps);
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            double u = steps == 1 ? 0.0 : (double) i / (steps - 1);
            b[i] = switch (this) {
                case LINEAR -> start + (end - start) * u;
                case QUADRATIC -> {
                    double r = Math.sqrt(start) + (Math.sqrt(end) - Math.sqrt(start)) * u;
                    yield r * r;
                }
                case SIGMOID -> {
                    double z = -6.0 + 12.0 * u;
                    yield 1.0 / (1.0 + Math.exp(-z)) * (end - start) + start;
                }
            };
        }
        return b;
    }

    public static BetaSchedule parse(String name) {
        return dev.sftpg.util.Enums.parse(BetaSchedule.class, name, "beta schedule");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
