package dev.sftpg.sampler;

import java.util.SplittableRandom;

/** Standard normal draws from a seeded SplittableRandom (which has no nextGaussian on Java 17), by Box-Muller. */
public final class GaussianNoise {
    private GaussianNoise() {
    }

    public static float next(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
        return (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }

    /** Fills {@code out}, using both outputs of each Box-Muller pair. */
    public static void fill(SplittableRandom rng, float[] out) {
        for (int i = 0; i < out.length; i += 2) {
            double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < out.length) out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
    }
}
