package dev.sftpg.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sftpg.data.Samples;
import dev.sftpg.data.SwissRoll;
import org.junit.jupiter.api.Test;

class SlicedWassersteinTest {

    private static final double[][] E1 = {{1, 0}};

    @Test
    void oneDimensionalCostsMatchHandComputedQuantileIntegrals() {
        // n = m: mean of |a_i - b_i|^p over sorted pairs: {1, 2, 3} vs {0, 2, 3}
        assertEquals((1 + 0 + 0) / 3.0, SlicedWasserstein.wasserstein1d(new double[] {3, 1, 2}, new double[] {2, 3, 0}, 2), 1e-12);
        // {0, 1} vs {0, .5, 1}: |F^-1 - G^-1| = 0.5 on (1/3, 2/3], 0 elsewhere
        assertEquals(1 / 6.0, SlicedWasserstein.wasserstein1d(new double[] {0, 1}, new double[] {0, 0.5, 1}, 1), 1e-12);
        assertEquals(1 / 12.0, SlicedWasserstein.wasserstein1d(new double[] {1, 0}, new double[] {0.5, 1, 0}, 2), 1e-12);
        // a point mass against two atoms: (1^2 + 3^2) / 2
        assertEquals(5.0, SlicedWasserstein.wasserstein1d(new double[] {0}, new double[] {1, 3}, 2), 1e-12);
        // 3 vs 5 atoms with p = 3 (breakpoints .2, 1/3, .4, .6, 2/3, .8, 1); POT's wasserstein_1d gives 9.4 too
        assertEquals(9.4, SlicedWasserstein.wasserstein1d(new double[] {5, 0, 2}, new double[] {1, 4, 1, 1, 1}, 3), 1e-12);
        // symmetric in its arguments
        assertEquals(SlicedWasserstein.wasserstein1d(new double[] {0, 2, 5}, new double[] {1, 1, 1, 1, 4}, 1.5),
                SlicedWasserstein.wasserstein1d(new double[] {1, 1, 1, 1, 4}, new double[] {0, 2, 5}, 1.5), 1e-12);
    }

    @Test
    void unequalSizesAlongAFixedDirection() {
        Samples x = Clouds.of(2, 0, 7, 1, -3);           // x-coordinates {0, 1}; y is ignored along e1
        Samples y = Clouds.of(2, 0, 1, 0.5, 2, 1, 5);    // {0, 0.5, 1}
        assertEquals(Math.sqrt(1 / 12.0), SlicedWasserstein.distanceAlong(x, y, E1, 2), 1e-7);
        assertEquals(1 / 6.0, SlicedWasserstein.distanceAlong(x, y, E1, 1), 1e-7);
        double[][] diagonal = {{Math.sqrt(0.5), Math.sqrt(0.5)}};
        Samples a = Clouds.of(2, 0, 0);
        Samples b = Clouds.of(2, 1, 1, 3, 3);            // projections sqrt2 and 3 sqrt2
        assertEquals(Math.sqrt((2 + 18) / 2.0), SlicedWasserstein.distanceAlong(a, b, diagonal, 2), 1e-6);
    }

    @Test
    void identicalCloudsAreAtZero() {
        Samples p = new SwissRoll().sample(2000, 1);
        assertEquals(0.0, SlicedWasserstein.distance(p, p), 0.0);
    }

    @Test
    void shiftIsExactPerDirectionAndAveragesToNormOverRootTwo() {
        Samples p = new SwissRoll().sample(1000, 2);
        double[] d = {0.3, -0.4}; // |d| = 0.5
        Samples q = Clouds.shifted(p, d);
        // a shift keeps the sorted order along every direction, so each direction costs exactly (theta . d)^2
        double[][] dirs = SlicedWasserstein.randomDirections(2, 50, 9);
        double sum = 0;
        for (double[] t : dirs) sum += Math.pow(t[0] * d[0] + t[1] * d[1], 2);
        assertEquals(Math.sqrt(sum / dirs.length), SlicedWasserstein.distanceAlong(p, q, dirs, 2), 1e-5);
        // E[(theta . d)^2] = |d|^2 / 2 for theta uniform on the circle
        assertEquals(0.5 / Math.sqrt(2), SlicedWasserstein.distance(p, q, 2000, 2, 3), 0.02 * 0.5 / Math.sqrt(2));
    }

    @Test
    void directionsAreUnitAndSeeded() {
        double[][] a = SlicedWasserstein.randomDirections(5, 20, 4);
        double[][] b = SlicedWasserstein.randomDirections(5, 20, 4);
        for (int k = 0; k < a.length; k++) {
            double norm = 0;
            for (double v : a[k]) norm += v * v;
            assertEquals(1.0, norm, 1e-12);
            assertEquals(java.util.Arrays.toString(a[k]), java.util.Arrays.toString(b[k]));
        }
    }

    @Test
    void swissRollFloorAndDegradedSamples() {
        SwissRoll roll = new SwissRoll();
        Samples a = roll.sample(10_000, 100);
        Samples b = roll.sample(10_000, 200);
        double floor = SlicedWasserstein.distance(a, b);
        // POT on the same construction: 0.0055 .. 0.0103 over 5 seeds (mean 0.0076)
        assertTrue(floor > 0.002 && floor < 0.015, "swiss roll floor " + floor);
        double shifted = SlicedWasserstein.distance(Clouds.shifted(a, 0.05, 0), b);  // POT: ~0.033
        double blurred = SlicedWasserstein.distance(Clouds.blurred(a, 0.05, 7), b);   // POT: ~0.015
        assertTrue(shifted > 3 * floor, "shifted " + shifted + " vs floor " + floor);
        assertTrue(blurred > 1.5 * floor, "blurred " + blurred + " vs floor " + floor);
        double half = SlicedWasserstein.distance(a.head(5000), b); // n != m works at scale too
        assertTrue(half > 0.002 && half < 0.015, "5k vs 10k " + half);
    }

    @Test
    void tenThousandAgainstTenThousandIsFast() {
        Samples a = new SwissRoll().sample(10_000, 1);
        Samples b = new SwissRoll().sample(10_000, 2);
        Samples c = b.head(9_000);
        double equal = Clouds.bestSeconds(() -> SlicedWasserstein.distance(a, b));
        double unequal = Clouds.bestSeconds(() -> SlicedWasserstein.distance(a, c));
        // ~0.1 s on one core; the bound only guards against accidentally quadratic code on a busy machine
        assertTrue(equal < 1.0 && unequal < 1.0, "took " + equal + " s / " + unequal + " s");
    }

    @Test
    void rejectsMismatchedInput() {
        Samples a = Clouds.of(2, 0, 0, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.distance(a, Clouds.of(1, 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.distance(a, new Samples(0, 2, new float[0])));
        assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.distance(a, a, 0, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.distance(a, a, 10, 0, 0));
    }
}
