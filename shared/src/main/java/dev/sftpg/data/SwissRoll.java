package dev.sftpg.data;

import java.util.SplittableRandom;

/**
 * The 2-D swiss roll used by the SFT-PG toy experiments: sklearn's {@code make_swiss_roll} (t = 1.5&pi;(1 + 2u),
 * x = t cos t, z = t sin t, isotropic Gaussian noise of std {@code noise} on each coordinate), keeping columns x and z
 * and dividing by 20 so the cloud fits roughly in [-0.75, 0.75]&sup2;, the scale the reference code trains at.
 *
 * <p>sklearn's third coordinate y = 21v is dropped by the projection, so it is not drawn at all; the distribution of
 * the kept coordinates is exactly sklearn's (the random stream is of course Java's, not numpy's). Without noise every
 * point lies on the spiral at radius t/20 &isin; [1.5&pi;/20, 4.5&pi;/20].
 */
public final class SwissRoll implements DataSource {

    /** Noise std (before the division by 20) used when none is configured. */
    public static final double DEFAULT_NOISE = 0.05;
    static final double SCALE = 20.0;

    private final double noise;

    public SwissRoll() {
        this(DEFAULT_NOISE);
    }

    public SwissRoll(double noise) {
        this.noise = Generators.requireParameter(noise, false, "swissroll noise");
    }

    public double noise() {
        return noise;
    }

    @Override
    public String name() {
        return "swissroll";
    }

    @Override
    public SampleShape shape() {
        return SampleShape.vector(2);
    }

    @Override
    public Samples sample(int n, long seed) {
        Generators.requireCount(n);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double t = 1.5 * Math.PI * (1 + 2 * rng.nextDouble());
            double x = t * Math.cos(t) + noise * rng.nextGaussian();
            double z = t * Math.sin(t) + noise * rng.nextGaussian();
            v[2 * i] = (float) (x / SCALE);
            v[2 * i + 1] = (float) (z / SCALE);
        }
        return new Samples(n, 2, v);
    }

    @Override
    public String toString() {
        return "swissroll(noise=" + noise + ")";
    }
}
