package dev.sftpg.data;

import java.util.SplittableRandom;

/**
 * Synthetic grey images of one bar: a {@code size x size} image, background -1, one full horizontal or vertical bar
 * of +1 (2 * size patterns, equally likely), plus Gaussian pixel noise of std {@code noise}. A mixture of well
 * separated modes in pixel space, small enough to train in seconds, whose samples are easy to judge by eye and by
 * {@link #nearestPatternDistance}: the image task's stand-in for a real data set in tests and demos.
 */
public final class Bars implements DataSource {
    public static final int DEFAULT_SIZE = 8;
    public static final double DEFAULT_NOISE = 0.05;

    private final int size;
    private final double noise;

    public Bars(int size, double noise) {
        if (size < 2 || size > 64) throw new IllegalArgumentException("bars image size must be in 2..64, got " + size);
        this.size = size;
        this.noise = Generators.requireParameter(noise, false, "bars noise");
    }

    @Override
    public String name() {
        return "bars";
    }

    @Override
    public SampleShape shape() {
        return SampleShape.image(1, size, size);
    }

    public int patterns() {
        return 2 * size;
    }

    /** The clean image of pattern k: rows 0..size-1 are horizontal bars, size..2size-1 vertical ones. */
    public float[] pattern(int k) {
        float[] img = new float[size * size];
        java.util.Arrays.fill(img, -1f);
        for (int i = 0; i < size; i++) {
            int pixel = k < size ? k * size + i : i * size + (k - size);
            img[pixel] = 1f;
        }
        return img;
    }

    @Override
    public Samples sample(int n, long seed) {
        Generators.requireCount(n);
        SplittableRandom rng = new SplittableRandom(seed);
        int px = size * size;
        float[] v = new float[n * px];
        for (int i = 0; i < n; i++) {
            float[] clean = pattern(rng.nextInt(patterns()));
            for (int j = 0; j < px; j++) v[i * px + j] = (float) (clean[j] + noise * rng.nextGaussian());
        }
        return new Samples(n, shape(), v);
    }

    /** Root-mean-square pixel distance from image {@code i} of {@code images} to its nearest clean pattern. */
    public double nearestPatternDistance(Samples images, int i) {
        int px = size * size;
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < patterns(); k++) {
            float[] p = pattern(k);
            double s = 0;
            for (int j = 0; j < px; j++) {
                double d = images.values()[i * px + j] - p[j];
                s += d * d;
            }
            best = Math.min(best, s);
        }
        return Math.sqrt(best / px);
    }

    @Override
    public String toString() {
        return "bars(" + size + "x" + size + ", noise " + noise + ")";
    }
}
