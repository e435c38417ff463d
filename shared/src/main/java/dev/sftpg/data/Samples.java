package dev.sftpg.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An immutable-by-convention batch of {@code n} samples of one {@link SampleShape}, row-major in one float array
 * (sample i, value j of its flattened shape at {@code values[i * dim + j]}). The one currency for data sets, samples,
 * metrics and plots, for points ({@code [2]}) and images ({@code [1, 28, 28]}) alike.
 */
public record Samples(int n, SampleShape shape, float[] values) {

    public Samples {
        if (n < 0 || shape == null) throw new IllegalArgumentException("bad sample batch n=" + n + " shape=" + shape);
        if (values.length != (long) n * shape.size())
            throw new IllegalArgumentException("expected " + (long) n * shape.size() + " values for " + n + " samples of shape "
                    + shape + ", got " + values.length);
    }

    /** {@code n} points of {@code dim} coordinates. */
    public Samples(int n, int dim, float[] values) {
        this(n, vectorShape(dim, n), values);
    }

    private static SampleShape vectorShape(int dim, int n) {
        if (dim <= 0) throw new IllegalArgumentException("bad point cloud shape n=" + n + " dim=" + dim);
        return SampleShape.vector(dim);
    }

    /** Values per sample (the coordinates of a point, the pixels of an image). */
    public int dim() {
        return shape.size();
    }

    public float get(int i, int j) {
        return values[i * dim() + j];
    }

    /** {@code count} of these samples drawn uniformly with replacement: their empirical distribution. */
    public Samples resample(int count, long seed) {
        Generators.requireCount(count);
        SplittableRandom rng = new SplittableRandom(seed);
        int d = dim();
        float[] v = new float[count * d];
        for (int i = 0; i < count; i++) System.arraycopy(values, rng.nextInt(n) * d, v, i * d, d);
        return new Samples(count, shape, v);
    }

    /** The first {@code count} samples (a copy). */
    public Samples head(int count) {
        if (count > n) throw new IllegalArgumentException("asked for " + count + " of " + n + " samples");
        return new Samples(count, shape, Arrays.copyOf(values, count * dim()));
    }

    /** Mean of each value over the samples. */
    public double[] mean() {
        int dim = dim();
        double[] m = new double[dim];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) m[j] += values[i * dim + j];
        for (int j = 0; j < dim; j++) m[j] /= Math.max(1, n);
        return m;
    }
}
