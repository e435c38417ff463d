package dev.sftpg.metrics;

import dev.sftpg.data.Samples;

/**
 * Squared maximum mean discrepancy with the Gaussian (RBF) kernel k(a, b) = exp(-|a - b|&sup2; / (2 h&sup2;)), as a
 * second, kernel-based view of sample quality next to the sliced Wasserstein distance.
 *
 * <p>The estimator is the unbiased U-statistic (Gretton et al. 2012, eq. 3): within-sample sums skip the diagonal,
 * so two samples of one distribution average to 0 and a single value may be slightly negative. That keeps the
 * comparison fair between sample sizes, which the biased V-statistic (always &ge; 0, inflated by 1/n) is not.
 */
public final class Mmd {

    /** Per-side cap for {@link #rbfMedian}: the O(n&sup2;) kernel sums on 2,000 points take ~0.1 s. */
    public static final int MAX_POINTS = 2_000;
    /** Pooled points used for the median heuristic (~500k pairwise distances). */
    public static final int MEDIAN_POINTS = 1_000;

    private Mmd() {
    }

    /** Unbiased MMD&sup2; between {@code x} and {@code y} (each at least 2 points) with RBF bandwidth h. */
    public static double rbf(Samples x, Samples y, double bandwidth) {
        Checks.sameDim(x, y);
        Checks.atLeast(x, 2, "x");
        Checks.atLeast(y, 2, "y");
        if (!(bandwidth > 0) || Double.isInfinite(bandwidth))
            throw new IllegalArgumentException("bandwidth must be finite and > 0, got " + bandwidth);
        double gamma = 1.0 / (2 * bandwidth * bandwidth);
        double n = x.n();
        double m = y.n();
        double kxx = 2 * offDiagonalSum(x, gamma) / (n * (n - 1));
        double kyy = 2 * offDiagonalSum(y, gamma) / (m * (m - 1));
        double kxy = crossSum(x, y, gamma) / (n * m);
        return kxx + kyy - 2 * kxy;
    }

    /**
     * The median heuristic: median Euclidean distance between distinct points of the pooled sample (up to
     * {@link #MEDIAN_POINTS} of them, half from each side, seeded). Falls back to 1.0 when all points coincide.
     */
    public static double medianBandwidth(Samples x, Samples y, long seed) {
        Checks.sameDim(x, y);
        Samples a = Checks.subsample(x, MEDIAN_POINTS / 2, seed);
        Samples b = Checks.subsample(y, MEDIAN_POINTS / 2, seed ^ 0x5DEECE66DL);
        int d = x.dim();
        int total = a.n() + b.n();
        if (total < 2) throw new IllegalArgumentException("the median heuristic needs at least 2 points in all");
        float[] pool = new float[total * d];
        System.arraycopy(a.values(), 0, pool, 0, a.n() * d);
        System.arraycopy(b.values(), 0, pool, a.n() * d, b.n() * d);
        double[] dist = new double[total * (total - 1) / 2];
        int k = 0;
        for (int i = 0; i < total; i++)
            for (int j = i + 1; j < total; j++) dist[k++] = Math.sqrt(sqDist(pool, i * d, pool, j * d, d));
        double med = Checks.median(dist);
        return med > 0 ? med : 1.0;
    }

    /** {@link #medianBandwidth(Samples, Samples, long)} with seed 0. */
    public static double medianBandwidth(Samples x, Samples y) {
        return medianBandwidth(x, y, 0L);
    }

    /**
     * Unbiased MMD&sup2; at the median-heuristic bandwidth on at most {@link #MAX_POINTS} points per side (drawn
     * without replacement from {@code seed}), so 10k-vs-10k evaluations stay well under a second.
     */
    public static double rbfMedian(Samples x, Samples y, long seed) {
        Samples a = Checks.subsample(x, MAX_POINTS, seed);
        Samples b = Checks.subsample(y, MAX_POINTS, seed + 1);
        return rbf(a, b, medianBandwidth(a, b, seed + 2));
    }

    /** {@link #rbfMedian(Samples, Samples, long)} with seed 0. */
    public static double rbfMedian(Samples x, Samples y) {
        return rbfMedian(x, y, 0L);
    }

    private static double offDiagonalSum(Samples x, double gamma) { // sum over i < j
        float[] v = x.values();
        int d = x.dim();
        double s = 0;
        for (int i = 0; i < x.n(); i++)
            for (int j = i + 1; j < x.n(); j++) s += Math.exp(-gamma * sqDist(v, i * d, v, j * d, d));
        return s;
    }

    private static double crossSum(Samples x, Samples y, double gamma) {
        float[] u = x.values();
        float[] v = y.values();
        int d = x.dim();
        double s = 0;
        for (int i = 0; i < x.n(); i++)
            for (int j = 0; j < y.n(); j++) s += Math.exp(-gamma * sqDist(u, i * d, v, j * d, d));
        return s;
    }

    static double sqDist(float[] a, int ia, float[] b, int ib, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            double t = (double) a[ia + k] - b[ib + k];
            s += t * t;
        }
        return s;
    }
}
