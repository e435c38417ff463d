package dev.sftpg.metrics;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Fréchet distance and its eigen solver against closed forms. */
class FrechetTest {

    private static Frechet.Gaussian gaussian(double[] mean, double[][] cov) {
        return new Frechet.Gaussian(mean, cov, 1000);
    }

    private static double[][] diag(double... d) {
        double[][] m = new double[d.length][d.length];
        for (int i = 0; i < d.length; i++) m[i][i] = d[i];
        return m;
    }

    /** A random orthogonal matrix (Gram-Schmidt on Gaussian columns). */
    private static double[][] rotation(int n, long seed) {
        Random r = new Random(seed);
        double[][] q = new double[n][n];
        for (int j = 0; j < n; j++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += v[i] * q[i][k];
                for (int i = 0; i < n; i++) v[i] -= dot * q[i][k];
            }
            double norm = 0;
            for (double x : v) norm += x * x;
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) q[i][j] = v[i] / norm;
        }
        return q;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    /** R S R^T. */
    private static double[][] rotate(double[][] r, double[][] s) {
        return Frechet.multiply(Frechet.multiply(r, s), transpose(r));
    }

    private static double[] rotate(double[][] r, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) for (int j = 0; j < v.length; j++) out[i] += r[i][j] * v[j];
        return out;
    }

    @Test
    void eigenDecompositionReconstructsTheMatrix() {
        int n = 40;
        Random rnd = new Random(1);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) a[i][j] = a[j][i] = rnd.nextGaussian();
        SymmetricEigen.Decomposition e = SymmetricEigen.of(a);
        double[][] v = e.vectors();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double recon = 0, gram = 0;
                for (int k = 0; k < n; k++) {
                    recon += v[i][k] * e.values()[k] * v[j][k];
                    gram += v[k][i] * v[k][j];
                }
                assertEquals(a[i][j], recon, 1e-10, "A = V diag V^T at (" + i + ", " + j + ")");
                assertEquals(i == j ? 1.0 : 0.0, gram, 1e-12, "V^T V = I at (" + i + ", " + j + ")");
            }
    }

    @Test
    void eigenvaluesOfARotatedDiagonalAreTheDiagonal() {
        double[] d = {5, 3, 3, 1e-9, 0, 2};
        double[] values = SymmetricEigen.of(rotate(rotation(6, 2), diag(d))).values().clone();
        java.util.Arrays.sort(values);
        double[] sorted = d.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < d.length; i++) assertEquals(sorted[i], values[i], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][]{{1, 2}, {2}}));
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][]{{Double.NaN}}));
    }

    @Test
    void identicalSetsAreAtDistanceZero() {
        Random r = new Random(3);
        int n = 500, d = 12;
        double[] f = new double[n * d];
        for (int i = 0; i < f.length; i++) f[i] = r.nextGaussian() * (1 + i % d) + (i % 5);
        Frechet.Gaussian g = Frechet.fit(f, n, d);
        assertEquals(0.0, Frechet.distance(g, g), 1e-9);
        assertEquals(0.0, Frechet.distance(g, Frechet.fit(f.clone(), n, d)), 1e-9);
    }

    @Test
    void commutingCovariancesGiveTheSumOfSquaredRootDifferences() {
        double[] a = {4, 1, 0.25, 9, 2}, b = {1, 1, 1, 0.5, 7};
        double[] mu1 = {0, 1, 2, 3, 4}, mu2 = {1, 1, 0, 3, 3};
        double expected = 1 + 0 + 4 + 0 + 1;
        for (int i = 0; i < a.length; i++) expected += Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        assertEquals(expected, Frechet.distance(gaussian(mu1, diag(a)), gaussian(mu2, diag(b))), 1e-10);
        // a common rotation of both keeps them commuting and the distance unchanged
        double[][] q = rotation(5, 7);
        assertEquals(expected, Frechet.distance(gaussian(rotate(q, mu1), rotate(q, diag(a))),
                gaussian(rotate(q, mu2), rotate(q, diag(b)))), 1e-9);
        // one covariance a multiple of the identity commutes with anything: tr(S1) + tr(S2) - 2 sqrt(c) tr(S2^1/2)
        double[][] s2 = rotate(q, diag(b));
        double c = 3, trRoot = 0, tr = 0;
        for (double x : b) {
            trRoot += Math.sqrt(x);
            tr += x;
        }
        assertEquals(5 * c + tr - 2 * Math.sqrt(c) * trRoot, Frechet.distance(gaussian(new double[5], diag(c, c, c, c, c)),
                gaussian(new double[5], s2)), 1e-9);
    }

    @Test
    void nonCommutingCovariancesInTwoDimensionsMatchTheClosedForm() {
        // for 2x2 PSD M, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)); with M = S1^1/2 S2 S1^1/2: tr M = tr(S1 S2), det M = det S1 det S2
        double[][] s1 = diag(2, 0.5);
        double t = 0.6;
        double[][] rot = {{Math.cos(t), -Math.sin(t)}, {Math.sin(t), Math.cos(t)}};
        double[][] s2 = rotate(rot, diag(3, 0.2));
        double trProduct = 0;
        for (int i = 0; i < 2; i++) for (int k = 0; k < 2; k++) trProduct += s1[i][k] * s2[k][i];
        double det1 = 2 * 0.5, det2 = 3 * 0.2;
        double cross = Math.sqrt(trProduct + 2 * Math.sqrt(det1 * det2));
        double[] mu1 = {0.5, -1}, mu2 = {0, 1};
        double expected = 0.25 + 4 + (2 + 0.5) + (3 + 0.2) - 2 * cross;
        assertEquals(expected, Frechet.distance(gaussian(mu1, s1), gaussian(mu2, s2)), 1e-10);
        // symmetric in its arguments
        assertEquals(expected, Frechet.distance(gaussian(mu2, s2), gaussian(mu1, s1)), 1e-10);
    }

    @Test
    void samplesOfKnownGaussiansApproachTheAnalyticDistance() {
        int d = 4, n = 200_000;
        double[][] q = rotation(d, 9);
        double[] sd1 = {1, 2, 0.5, 1.5}, sd2 = {1.2, 1, 0.7, 2};
        double[] mu2 = {0.3, 0, -0.2, 0.1};
        Random r = new Random(10);
        double[] f1 = new double[n * d], f2 = new double[n * d];
        for (int i = 0; i < n; i++) {
            double[] z1 = new double[d], z2 = new double[d];
            for (int j = 0; j < d; j++) {
                z1[j] = sd1[j] * r.nextGaussian();
                z2[j] = sd2[j] * r.nextGaussian();
            }
            double[] x1 = rotate(q, z1), x2 = rotate(q, z2);
            for (int j = 0; j < d; j++) {
                f1[i * d + j] = x1[j];
                f2[i * d + j] = x2[j] + mu2[j];
            }
        }
        double expected = 0.09 + 0.04 + 0.01;
        for (int j = 0; j < d; j++) expected += Math.pow(sd1[j] - sd2[j], 2);
        assertEquals(expected, Frechet.distance(Frechet.fit(f1, n, d), Frechet.fit(f2, n, d)), 0.02);
    }

    @Test
    void fitUsesTheUnbiasedCovarianceAndSingularOnesStayFinite() {
        double[] f = {1, 2, 3, 6, 5, 10}; // three rows of two: (1,2), (3,6), (5,10)
        Frechet.Gaussian g = Frechet.fit(f, 3, 2);
        assertEquals(3.0, g.mean()[0], 1e-15);
        assertEquals(6.0, g.mean()[1], 1e-15);
        assertEquals(4.0, g.covariance()[0][0], 1e-12); // (4 + 0 + 4) / 2
        assertEquals(16.0, g.covariance()[1][1], 1e-12);
        assertEquals(8.0, g.covariance()[0][1], 1e-12);
        // fewer vectors than dimensions: rank-deficient covariances, tiny negative eigenvalues from rounding
        Random r = new Random(5);
        int n = 5, d = 30;
        double[] a = new double[n * d], b = new double[n * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian() + 0.1;
        }
        double fid = Frechet.distance(Frechet.fit(a, n, d), Frechet.fit(b, n, d));
        assertTrue(Double.isFinite(fid) && fid > 0, "finite and positive: " + fid);
        assertThrows(IllegalArgumentException.class, () -> Frechet.fit(new double[]{1, 2}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Frechet.distance(Frechet.fit(a, n, d), gaussian(new double[2], diag(1, 1))));
    }
}
