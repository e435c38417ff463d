package dev.sftpg.metrics;

import dev.sftpg.data.Samples;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Sliced Wasserstein distance, defined exactly as POT's {@code ot.sliced_wasserstein_distance(X, Y, n_projections,
 * p=p)} with uniform weights, so numbers are comparable with the Python reference runs: random unit directions
 * (standard normal, normalised), the 1-D Wasserstein-p between the projected empirical distributions computed on the
 * merged quantile grid (POT's {@code wasserstein_1d}), the mean of those p-th powers over directions, then the p-th
 * root. It is cheap (sorting, no transport plan) and handles clouds of different sizes.
 *
 * <p>Only the random stream differs from POT's (Java's generator, not numpy's), so single values agree in
 * distribution, not bit for bit.
 */
public final class SlicedWasserstein {

    /** POT's default number of projections. */
    public static final int DEFAULT_PROJECTIONS = 100;

    private SlicedWasserstein() {
    }

    /** SW_2 with 100 projections and seed 0: the setting the reference results are quoted in. */
    public static double distance(Samples x, Samples y) {
        return distance(x, y, DEFAULT_PROJECTIONS, 2.0, 0L);
    }

    /**
     * SW_p between the uniform empirical distributions of {@code x} and {@code y} (any sizes, same dim), over
     * {@code nProjections} random directions drawn from {@code seed}.
     */
    public static double distance(Samples x, Samples y, int nProjections, double p, long seed) {
        if (nProjections <= 0) throw new IllegalArgumentException("nProjections must be > 0, got " + nProjections);
        return distanceAlong(x, y, randomDirections(x.dim(), nProjections, seed), p);
    }

    /** Unit directions, uniform on the sphere (normalised standard normals, as POT's get_random_projections). */
    static double[][] randomDirections(int dim, int count, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] dirs = new double[count][dim];
        for (double[] d : dirs) {
            double norm;
            do {
                norm = 0;
                for (int j = 0; j < dim; j++) {
                    d[j] = rng.nextGaussian();
                    norm += d[j] * d[j];
                }
            } while (norm == 0);
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim; j++) d[j] /= norm;
        }
        return dirs;
    }

    /** SW_p over the given directions (taken as they are; POT's definition expects unit vectors). */
    static double distanceAlong(Samples x, Samples y, double[][] dirs, double p) {
        Checks.sameDim(x, y);
        Checks.nonEmpty(x, "x");
        Checks.nonEmpty(y, "y");
        if (!(p > 0) || Double.isInfinite(p)) throw new IllegalArgumentException("p must be finite and > 0, got " + p);
        double[] a = new double[x.n()];
        double[] b = new double[y.n()];
        double sum = 0;
        for (double[] dir : dirs) {
            project(x, dir, a);
            project(y, dir, b);
            Arrays.sort(a);
            Arrays.sort(b);
            sum += sortedCost(a, b, p);
        }
        return Math.pow(sum / dirs.length, 1.0 / p);
    }

    /**
     * POT's {@code wasserstein_1d(a, b, p=p)} with uniform weights: the p-th power W_p^p (not its root) between the
     * empirical distributions of two samples. The inputs are not modified.
     */
    static double wasserstein1d(double[] a, double[] b, double p) {
        if (a.length == 0 || b.length == 0) throw new IllegalArgumentException("empty sample");
        double[] sa = a.clone();
        double[] sb = b.clone();
        Arrays.sort(sa);
        Arrays.sort(sb);
        return sortedCost(sa, sb, p);
    }

    private static void project(Samples pts, double[] dir, double[] out) {
        float[] v = pts.values();
        int dim = pts.dim();
        if (dim == 2) {
            double d0 = dir[0], d1 = dir[1];
            for (int i = 0, k = 0; i < out.length; i++, k += 2) out[i] = v[k] * d0 + v[k + 1] * d1;
            return;
        }
        for (int i = 0, k = 0; i < out.length; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++, k++) s += v[k] * dir[j];
            out[i] = s;
        }
    }

    /**
     * Integral over q in (0, 1] of |Fa^-1(q) - Fb^-1(q)|^p for sorted samples with uniform weights. The quantile
     * functions are step functions with jumps at i/n and j/m; walking the merged breakpoints (compared exactly in
     * integers, so ties cost nothing) gives the same sum as POT's searchsorted on the concatenated cumulative weights.
     */
    static double sortedCost(double[] a, double[] b, double p) {
        int n = a.length;
        int m = b.length;
        if (n == m) {
            double s = 0;
            for (int i = 0; i < n; i++) s += pow(Math.abs(a[i] - b[i]), p);
            return s / n;
        }
        double s = 0;
        double prev = 0;
        int i = 0;
        int j = 0;
        while (i < n && j < m) {
            long ci = (long) (i + 1) * m; // (i+1)/n and (j+1)/m on the common denominator n*m
            long cj = (long) (j + 1) * n;
            long next = Math.min(ci, cj);
            double q = next / ((double) n * m);
            s += (q - prev) * pow(Math.abs(a[i] - b[j]), p);
            prev = q;
            if (ci == next) i++;
            if (cj == next) j++;
        }
        return s;
    }

    private static double pow(double d, double p) {
        if (p == 2) return d * d;
        if (p == 1) return d;
        return Math.pow(d, p);
    }
}
