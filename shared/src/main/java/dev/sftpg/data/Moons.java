package dev.sftpg.data;

import java.util.SplittableRandom;

/**
 * sklearn's {@code make_moons} halved: {@code n/2} points evenly spaced (numpy {@code linspace(0, pi, k)}) on the
 * upper unit half circle, the remaining points on the lower half circle centred at (1, 0.5), shuffled, Gaussian noise
 * of std {@code noise} added to both coordinates, then everything divided by 2 so the cloud sits in about
 * [-0.5, 1] &times; [-0.25, 0.5], the same scale as the other toys.
 *
 * <p>The points are evenly spaced rather than random along the arcs, exactly as in sklearn; only the shuffle and the
 * noise use the seed, so with {@code noise = 0} two seeds give the same set in a different order.
 */
public final class Moons implements DataSource {

    /** Noise std (before the division by 2) used when none is configured. */
    public static final double DEFAULT_NOISE = 0.05;
    static final double SCALE = 2.0;

    private final double noise;

    public Moons() {
        this(DEFAULT_NOISE);
    }

    public Moons(double noise) {
        this.noise = Generators.requireParameter(noise, false, "moons noise");
    }

    public double noise() {
        return noise;
    }

    @Override
    public String name() {
        return "moons";
    }

    @Override
    public SampleShape shape() {
        return SampleShape.vector(2);
    }

    @Override
    public Samples sample(int n, long seed) {
        Generators.requireCount(n);
        int nOut = n / 2;
        int nIn = n - nOut;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < nOut; i++) {
            double a = linspace(Math.PI, nOut, i);
            x[i] = Math.cos(a);
            y[i] = Math.sin(a);
        }
        for (int i = 0; i < nIn; i++) {
            double a = linspace(Math.PI, nIn, i);
            x[nOut + i] = 1 - Math.cos(a);
            y[nOut + i] = 1 - Math.sin(a) - 0.5;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates: a uniform permutation, like sklearn.utils.shuffle
            int j = rng.nextInt(i + 1);
            double tx = x[i]; x[i] = x[j]; x[j] = tx;
            double ty = y[i]; y[i] = y[j]; y[j] = ty;
        }
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            v[2 * i] = (float) ((x[i] + noise * rng.nextGaussian()) / SCALE);
            v[2 * i + 1] = (float) ((y[i] + noise * rng.nextGaussian()) / SCALE);
        }
        return new Samples(n, 2, v);
    }

    /** numpy {@code linspace(0, stop, num)[i]}: a single sample sits at 0, otherwise the last one is exactly stop. */
    static double linspace(double stop, int num, int i) {
        if (num == 1) return 0.0;
        if (i == num - 1) return stop;
        return i * (stop / (num - 1));
    }

    @Override
    public String toString() {
        return "moons(noise=" + noise + ")";
    }
}
