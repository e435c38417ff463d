package dev.sftpg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratorsTest {

    private static final List<DataSource> TOYS = List.of(new SwissRoll(), new Moons(), new EightGaussians());

    @Test
    void sameSeedGivesIdenticalPointsAndOtherSeedsDiffer() {
        for (DataSource s : TOYS) {
            Samples a = s.sample(1000, 7);
            Samples b = s.sample(1000, 7);
            assertEquals(1000, a.n(), s.name());
            assertEquals(2, a.dim(), s.name());
            assertArrayEquals(a.values(), b.values(), s.name() + " must be reproducible");
            assertFalse(Arrays.equals(a.values(), s.sample(1000, 8).values()), s.name() + " must depend on the seed");
            assertEquals(0, s.sample(0, 1).n());
        }
    }

    @Test
    void swissRollStaysWithinAnalyticBounds() {
        // noise-free radius is t in [1.5 pi, 4.5 pi]; noise of std 0.05 per coordinate moves a point by at most
        // ~6 sigma * sqrt(2) in any realistic draw (p ~ 1e-8 per point)
        double slack = 6 * Math.sqrt(2) * SwissRoll.DEFAULT_NOISE;
        Samples p = new SwissRoll().sample(20_000, 3);
        double maxAbs = 0;
        for (int i = 0; i < p.n(); i++) {
            double x = p.get(i, 0) * 20.0, z = p.get(i, 1) * 20.0;
            double r = Math.hypot(x, z);
            assertTrue(r >= 1.5 * Math.PI - slack && r <= 4.5 * Math.PI + slack, "radius " + r);
            maxAbs = Math.max(maxAbs, Math.max(Math.abs(x), Math.abs(z)));
        }
        assertTrue(maxAbs <= (4.5 * Math.PI + slack), "max |coord| " + maxAbs / 20);
        assertTrue(maxAbs > 4.0 * Math.PI, "outer turn should be reached, max |coord| " + maxAbs / 20);
    }

    @Test
    void noiseFreeSwissRollLiesExactlyOnTheSpiral() {
        Samples p = new SwissRoll(0.0).sample(2000, 11);
        for (int i = 0; i < p.n(); i++) {
            double x = p.get(i, 0) * 20.0, z = p.get(i, 1) * 20.0;
            double t = Math.hypot(x, z); // the radius is t itself
            assertEquals(t * Math.cos(t), x, 1e-4 * t);
            assertEquals(t * Math.sin(t), z, 1e-4 * t);
        }
    }

    @Test
    void moonsLieNearTheirArcsInEqualHalves() {
        double noise = Moons.DEFAULT_NOISE;
        double slack = 6 * Math.sqrt(2) * noise;
        int n = 10_001;
        Samples p = new Moons().sample(n, 5);
        int outer = 0, inner = 0;
        for (int i = 0; i < n; i++) {
            double x = p.get(i, 0) * 2.0, y = p.get(i, 1) * 2.0;
            assertTrue(x >= -1 - slack && x <= 2 + slack && y >= -0.5 - slack && y <= 1 + slack, x + "," + y);
            double dOuter = arcDistance(x, y, 0, 0, true);
            double dInner = arcDistance(x, y, 1, 0.5, false);
            assertTrue(Math.min(dOuter, dInner) <= slack, "point off both moons: " + x + "," + y);
            if (dOuter < dInner) outer++;
            else inner++;
        }
        // sklearn: n/2 outer and the rest inner; near the tips a noisy point may land closer to the other arc
        assertEquals(n / 2, outer, 100);
        assertEquals(n - n / 2, inner, 100);
    }

    @Test
    void noiseFreeMoonsAreSklearnsLinspaceArcs() {
        Samples p = new Moons(0.0).sample(7, 1); // 3 outer at 0, pi/2, pi; 4 inner at 0, pi/3, 2pi/3, pi
        double[][] expected = {
            {1, 0}, {0, 1}, {-1, 0},
            {0, 0.5}, {1 - Math.cos(Math.PI / 3), 0.5 - Math.sin(Math.PI / 3)},
            {1 - Math.cos(2 * Math.PI / 3), 0.5 - Math.sin(2 * Math.PI / 3)}, {2, 0.5}};
        double[][] got = new double[7][];
        for (int i = 0; i < 7; i++) got[i] = new double[] {p.get(i, 0) * 2.0, p.get(i, 1) * 2.0};
        for (double[] e : expected) {
            boolean found = false;
            for (double[] g : got) found |= Math.abs(g[0] - e[0]) < 1e-6 && Math.abs(g[1] - e[1]) < 1e-6;
            assertTrue(found, "missing arc point " + Arrays.toString(e));
        }
        assertEquals(0.0, Moons.linspace(Math.PI, 1, 0));
        assertEquals(Math.PI, Moons.linspace(Math.PI, 5, 4));
    }

    @Test
    void eightGaussiansRecoverTheirModesInRoughlyEqualCounts() {
        EightGaussians g = new EightGaussians();
        int n = 16_000;
        Samples p = g.sample(n, 9);
        int[] counts = new int[8];
        double[][] sums = new double[8][2];
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bestD = Double.MAX_VALUE;
            for (int k = 0; k < 8; k++) {
                double[] c = g.centre(k);
                double d = Math.hypot(p.get(i, 0) - c[0], p.get(i, 1) - c[1]);
                if (d < bestD) {
                    bestD = d;
                    best = k;
                }
            }
            assertTrue(bestD < 6 * Math.sqrt(2) * g.std(), "point far from every mode: " + bestD);
            counts[best]++;
            sums[best][0] += p.get(i, 0);
            sums[best][1] += p.get(i, 1);
        }
        for (int k = 0; k < 8; k++) {
            // binomial(16000, 1/8): sd ~ 42, allow ~5 sd
            assertEquals(n / 8, counts[k], 200, "mode " + k + " counts " + Arrays.toString(counts));
            double[] c = g.centre(k);
            assertEquals(c[0], sums[k][0] / counts[k], 0.01, "mode " + k + " centre x");
            assertEquals(c[1], sums[k][1] / counts[k], 0.01, "mode " + k + " centre y");
        }
        assertEquals(-1.0, g.centre(4)[0], 1e-12);
        assertEquals(Math.sqrt(0.5), g.centre(1)[1], 1e-12);
    }

    @Test
    void factoryBuildsEachToyWithItsParameters() {
        assertEquals("swissroll", DataSources.create("swissroll", Map.of()).name());
        assertEquals(0.2, ((SwissRoll) DataSources.create("swissroll", Map.of("noise", 0.2))).noise());
        assertEquals(0.1, ((Moons) DataSources.create("moons", Map.of("noise", "0.1"))).noise());
        EightGaussians g = (EightGaussians) DataSources.create("8gaussians", Map.of("radius", 2, "std", 0.01));
        assertEquals(2.0, g.radius());
        assertEquals(0.01, g.std());
        assertEquals(EightGaussians.DEFAULT_STD, ((EightGaussians) DataSources.create("8gaussians", null)).std());
    }

    @Test
    void factoryRejectsUnknownNamesAndParametersByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.create("spiral", Map.of()));
        assertTrue(e.getMessage().contains("\"spiral\""), e.getMessage());
        for (String valid : DataSources.NAMES) assertTrue(e.getMessage().contains(valid), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> DataSources.create("moons", Map.of("nosie", 0.1)));
        assertTrue(e.getMessage().contains("nosie") && e.getMessage().contains("noise"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.create("moons", Map.of("noise", "lots")));
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.create("csv", Map.of()));
        assertTrue(e.getMessage().contains("data.path"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataSources.create("swissroll", Map.of("noise", -1)));
    }

    /** Distance from (x, y) to the unit half circle centred at (cx, cy), upper half if {@code upper}. */
    private static double arcDistance(double x, double y, double cx, double cy, boolean upper) {
        double dx = x - cx, dy = y - cy;
        boolean onSide = upper ? dy >= 0 : dy <= 0;
        if (onSide) return Math.abs(Math.hypot(dx, dy) - 1);
        return Math.min(Math.hypot(dx - 1, dy), Math.hypot(dx + 1, dy)); // nearest end point
    }
}
