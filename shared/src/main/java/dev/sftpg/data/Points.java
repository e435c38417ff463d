package dev.sftpg.data;

import java.util.Arrays;

/**
 * An immutable-by-convention cloud of {@code n} points in {@code dim} dimensions, row-major in one float array
 * (point i, coordinate j at {@code values[i * dim + j]}). The one currency for data sets, samples and metrics.
 */
public record Points(int n, int dim, float[] values) {

    public Points {
        if (n < 0 || dim <= 0) throw new IllegalArgumentException("bad point cloud shape n=" + n + " dim=" + dim);
        if (values.length != (long) n * dim)
            throw new IllegalArgumentException("expected " + (long) n * dim + " values for " + n + "x" + dim + ", got " + values.length);
    }

    public float get(int i, int j) {
        return values[i * dim + j];
    }

    /** The first {@code count} points (a copy). */
    public Points head(int count) {
        if (count > n) throw new IllegalArgumentException("asked for " + count + " of " + n + " points");
        return new Points(count, dim, Arrays.copyOf(values, count * dim));
    }

    /** Mean of each coordinate. */
    public double[] mean() {
        double[] m = new double[dim];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) m[j] += values[i * dim + j];
        for (int j = 0; j < dim; j++) m[j] /= Math.max(1, n);
        return m;
    }
}
