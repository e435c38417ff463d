package dev.sftpg.metrics;

import dev.sftpg.data.Samples;

/** Argument checks shared by the metrics, so mismatched inputs fail loudly instead of giving a plausible number. */
final class Checks {

    private Checks() {
    }

    static void sameDim(Samples x, Samples y) {
        if (x.dim() != y.dim())
            throw new IllegalArgumentException("point clouds differ in dimension: " + x.dim() + " vs " + y.dim());
    }

    static void nonEmpty(Samples x, String what) {
        if (x.n() == 0) throw new IllegalArgumentException(what + " has no points");
    }

    static void atLeast(Samples x, int k, String what) {
        if (x.n() < k) throw new IllegalArgumentException(what + " needs at least " + k + " points, got " + x.n());
    }

    /** Up to {@code max} distinct points of {@code x} chosen uniformly without replacement (x itself if small enough). */
    static Samples subsample(Samples x, int max, long seed) {
        if (x.n() <= max) return x;
        int[] idx = new int[x.n()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int d = x.dim();
        float[] out = new float[max * d];
        for (int i = 0; i < max; i++) { // partial Fisher-Yates
            int j = i + rng.nextInt(idx.length - i);
            int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            System.arraycopy(x.values(), idx[i] * d, out, i * d, d);
        }
        return new Samples(max, d, out);
    }

    /** numpy's median: the mean of the two middle values for an even count. Sorts {@code v} in place. */
    static double median(double[] v) {
        if (v.length == 0) throw new IllegalArgumentException("median of nothing");
        java.util.Arrays.sort(v);
        int h = v.length / 2;
        return v.length % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]);
    }
}
