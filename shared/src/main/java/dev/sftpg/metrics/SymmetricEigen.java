package dev.sftpg.metrics;

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method (Golub &amp; Van Loan, 8.5):
 * plane rotations zero the off-diagonal entries one at a time until their norm is negligible against the whole
 * matrix. Slow for large matrices (O(n&sup3;) per sweep, ~6-10 sweeps) but accurate to working precision for small
 * eigenvalues too, and plenty fast for the 128x128 covariances of the Fréchet distance.
 */
public final class SymmetricEigen {
    private static final int MAX_SWEEPS = 100;

    /** {@code values[i]} belongs to column i of {@code vectors} (rows of the array are matrix rows); unordered. */
    public record Decomposition(double[] values, double[][] vectors) {
    }

    private SymmetricEigen() {
    }

    /** Decomposes {@code a} (n x n, symmetric: only the upper triangle is read; left unchanged). */
    public static Decomposition of(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) throw new IllegalArgumentException("matrix is not square: row " + i + " has " + a[i].length + " of " + n);
            for (int j = i; j < n; j++) {
                if (!Double.isFinite(a[i][j])) throw new IllegalArgumentException("matrix entry (" + i + ", " + j + ") is " + a[i][j]);
                m[i][j] = m[j][i] = a[i][j];
            }
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1;
        double total = 0;
        for (double[] row : m) for (double x : row) total += x * x;
        // stop when the off-diagonal norm is 1e-13 of the whole: rounding keeps it near n * 1e-16 anyway
        double tol = 1e-26 * Math.max(total, Double.MIN_NORMAL);
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += m[p][q] * m[p][q];
            if (off <= tol) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p][q];
                    if (apq == 0) continue;
                    // rotation angle that zeroes m[p][q]: t = tan(theta), the smaller root of t^2 + 2 tau t - 1 = 0
                    double tau = (m[q][q] - m[p][p]) / (2 * apq);
                    double t = Math.signum(tau) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
                    if (tau == 0) t = 1;
                    double c = 1 / Math.sqrt(1 + t * t), s = t * c;
                    for (int k = 0; k < n; k++) { // columns p and q
                        double mkp = m[k][p], mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) { // rows p and q
                        double mpk = m[p][k], mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                    m[p][q] = m[q][p] = 0;
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) values[i] = m[i][i];
        return new Decomposition(values, v);
    }
}
