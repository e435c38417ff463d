package dev.sftpg.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sftpg.data.Samples;
import dev.sftpg.data.SwissRoll;
import org.junit.jupiter.api.Test;

class MmdTest {

    @Test
    void handComputedUnbiasedEstimate() {
        // x = {(0,0), (1,0)}, y = {(0,0), (0,1)}, h = 1: k = exp(-|a-b|^2 / 2)
        // kxx = kyy = e^{-1/2} (one off-diagonal pair each); kxy = (1 + 2 e^{-1/2} + e^{-1}) / 4
        Samples x = Clouds.of(2, 0, 0, 1, 0);
        Samples y = Clouds.of(2, 0, 0, 0, 1);
        double a = Math.exp(-0.5);
        double expected = 2 * a - 2 * (1 + 2 * a + Math.exp(-1)) / 4; // = -0.0774: unbiased can go below 0
        assertEquals(expected, Mmd.rbf(x, y, 1.0), 1e-12);
        // 1-D, h = 2: x = {0, 2}, y = {1, 3}: kxx = kyy = e^{-1/2}, kxy = (e^{-1/8}*3 + e^{-9/8}) / 4
        double b = Math.exp(-0.5);
        double expected1d = 2 * b - 2 * (3 * Math.exp(-1 / 8.0) + Math.exp(-9 / 8.0)) / 4;
        assertEquals(expected1d, Mmd.rbf(Clouds.of(1, 0, 2), Clouds.of(1, 1, 3), 2.0), 1e-12);
    }

    @Test
    void sameDistributionIsNearZeroAndShiftIsClearlyLarger() {
        SwissRoll roll = new SwissRoll();
        Samples a = roll.sample(10_000, 1);
        Samples b = roll.sample(10_000, 2);
        double same = Mmd.rbfMedian(a, b);
        double shifted = Mmd.rbfMedian(Clouds.shifted(a, 0.1, 0), b);
        assertTrue(Math.abs(same) < 2e-3, "same distribution " + same);
        assertTrue(shifted > 10 * Math.max(Math.abs(same), 1e-4), "shifted " + shifted + " vs " + same);
        assertEquals(same, Mmd.rbfMedian(a, b), 0.0, "seeded subsampling must be reproducible");
    }

    @Test
    void medianBandwidthIsTheMedianPairwiseDistance() {
        // pooled 1-D points {0, 1, 3}: distances 1, 3, 2 -> median 2
        assertEquals(2.0, Mmd.medianBandwidth(Clouds.of(1, 0, 1), Clouds.of(1, 3)), 1e-12);
        // degenerate: everything at one point falls back to 1
        assertEquals(1.0, Mmd.medianBandwidth(Clouds.of(1, 5, 5), Clouds.of(1, 5)), 0.0);
        // scale equivariant
        Samples g = Clouds.gaussian(3000, 2, 1.0, 3);
        Samples g3 = Clouds.gaussian(3000, 2, 3.0, 3);
        assertEquals(3 * Mmd.medianBandwidth(g, g), Mmd.medianBandwidth(g3, g3), 1e-4);
    }

    @Test
    void tenThousandAgainstTenThousandIsFast() {
        Samples a = new SwissRoll().sample(10_000, 1);
        Samples b = new SwissRoll().sample(10_000, 2);
        double s = Clouds.bestSeconds(() -> Mmd.rbfMedian(a, b));
        assertTrue(s < 1.0, "rbfMedian took " + s + " s");
    }

    @Test
    void rejectsTooFewPointsAndBadBandwidth() {
        Samples two = Clouds.of(2, 0, 0, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(two, Clouds.of(2, 0, 0), 1));
        assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(two, two, 0));
        assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(two, Clouds.of(1, 0, 1), 1));
    }
}
