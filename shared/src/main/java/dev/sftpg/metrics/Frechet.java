package dev.sftpg.metrics;

/**
 * The Fréchet distance between Gaussians fitted to two sets of feature vectors, the statistic behind FID (Heusel et
 * al., 2017): |mu1 - mu2|&sup2; + tr(S1) + tr(S2) - 2 tr((S1^&frac12; S2 S1^&frac12;)^&frac12;). The trace of the
 * matrix square root is computed from two symmetric eigendecompositions ({@link SymmetricEigen}): S1^&frac12; from
 * the eigenpairs of S1, then the eigenvalues of the symmetric S1^&frac12; S2 S1^&frac12;, whose square roots sum to
 * the trace. Eigenvalues that rounding makes slightly negative (covariances of fewer samples than dimensions are
 * singular) are taken as 0. Everything is in double precision; covariances use the n - 1 divisor as numpy's
 * {@code np.cov} and the reference FID code do.
 */
public final class Frechet {

    /** Mean and covariance of a set of {@code n} feature vectors of dimension {@code dim}. */
    public record Gaussian(double[] mean, double[][] covariance, int n) {

        public int dim() {
            return mean.length;
        }
    }

    private Frechet() {
    }

    /** Mean and covariance (divisor n - 1) of {@code n} rows of {@code dim} values, row-major in {@code features}. */
    public static Gaussian fit(double[] features, int n, int dim) {
        if (n < 2) throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + n);
        if (features.length != (long) n * dim)
            throw new IllegalArgumentException("expected " + (long) n * dim + " values for " + n + " vectors of " + dim + ", got " + features.length);
        double[] mean = new double[dim];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) mean[j] += features[i * dim + j];
        for (int j = 0; j < dim; j++) mean[j] /= n;
        double[][] cov = new double[dim][dim];
        double[] c = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) c[j] = features[i * dim + j] - mean[j];
            for (int j = 0; j < dim; j++) {
                double cj = c[j];
                if (cj == 0) continue;
                double[] row = cov[j];
                for (int k = j; k < dim; k++) row[k] += cj * c[k];
            }
        }
        for (int j = 0; j < dim; j++)
            for (int k = j; k < dim; k++) cov[k][j] = cov[j][k] /= (n - 1);
        for (int j = 0; j < dim; j++)
            if (!Double.isFinite(mean[j]) || !Double.isFinite(cov[j][j]))
                throw new IllegalArgumentException("feature " + j + " is not finite (a diverged sample?)");
        return new Gaussian(mean, cov, n);
    }

    /** The Fréchet distance between two Gaussians of the same dimension (&ge; 0 up to rounding). */
    public static double distance(Gaussian a, Gaussian b) {
        int d = a.dim();
        if (b.dim() != d) throw new IllegalArgumentException("feature dimensions differ: " + d + " vs " + b.dim());
        double meanTerm = 0;
        for (int j = 0; j < d; j++) {
            double t = a.mean()[j] - b.mean()[j];
            meanTerm += t * t;
        }
        double traces = 0;
        for (int j = 0; j < d; j++) traces += a.covariance()[j][j] + b.covariance()[j][j];
        return Math.max(0, meanTerm + traces - 2 * traceSqrtProduct(a.covariance(), b.covariance()));
    }

    /** tr((S1^&frac12; S2 S1^&frac12;)^&frac12;), which equals tr((S1 S2)^&frac12;), for symmetric PSD S1, S2. */
    static double traceSqrtProduct(double[][] s1, double[][] s2) {
        double[][] root = sqrtPsd(s1);
        double[][] m = multiply(multiply(root, s2), root);
        int d = m.length;
        for (int i = 0; i < d; i++) // symmetric in exact arithmetic; average away the rounding
            for (int j = i + 1; j < d; j++) m[i][j] = m[j][i] = 0.5 * (m[i][j] + m[j][i]);
        double tr = 0;
        for (double l : SymmetricEigen.of(m).values()) tr += Math.sqrt(Math.max(0, l));
        return tr;
    }

    /** The symmetric square root V diag(sqrt(max(l, 0))) V^T of a symmetric positive semi-definite matrix. */
    static double[][] sqrtPsd(double[][] s) {
        SymmetricEigen.Decomposition e = SymmetricEigen.of(s);
        int d = s.length;
        double[] r = new double[d];
        for (int k = 0; k < d; k++) r[k] = Math.sqrt(Math.max(0, e.values()[k]));
        double[][] v = e.vectors(), out = new double[d][d];
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) {
                double sum = 0;
                for (int k = 0; k < d; k++) sum += v[i][k] * r[k] * v[j][k];
                out[i][j] = out[j][i] = sum;
            }
        return out;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length, m = b[0].length, inner = b.length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                if (aik == 0) continue;
                for (int j = 0; j < m; j++) out[i][j] += aik * b[k][j];
            }
        return out;
    }
}
