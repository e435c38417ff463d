package dev.sftpg.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sftpg.data.Samples;
import dev.sftpg.data.SwissRoll;
import org.junit.jupiter.api.Test;

class SharpnessTest {

    private final SwissRoll roll = new SwissRoll();
    private final Samples data = roll.sample(10_000, 1);
    private final Samples fresh = roll.sample(10_000, 2);

    @Test
    void freshDrawScoresAboutOne() {
        double r = Sharpness.ratio(roll.sample(10_000, 3), data, fresh);
        assertTrue(r > 0.85 && r < 1.2, "fresh draw ratio " + r);
    }

    @Test
    void blurredDataScoresFarAboveOne() {
        double r = Sharpness.ratio(Clouds.blurred(roll.sample(10_000, 3), 0.05, 4), data, fresh);
        assertTrue(r > 3, "blurred ratio " + r);
    }

    @Test
    void memorisedDataScoresZero() {
        assertEquals(0.0, Sharpness.ratio(data, data, fresh), 0.0);
    }

    @Test
    void divergedSamplesCountAsInfinitelyFar() {
        Samples g = roll.sample(11, 5);
        float[] v = g.values().clone();
        for (int i = 0; i < 6; i++) v[2 * i] = Float.NaN; // more than half diverged
        assertEquals(Double.POSITIVE_INFINITY, Sharpness.ratio(new Samples(11, 2, v), data, fresh));
    }

    @Test
    void rejectsAFreshDrawThatIsTheDataItself() {
        assertThrows(IllegalArgumentException.class, () -> Sharpness.ratio(fresh, data, data));
    }

    @Test
    void kdTreeAgreesWithBruteForce() {
        for (int dim = 1; dim <= 5; dim++) {
            Samples ref = Clouds.gaussian(3000, dim, 1.0, dim);
            Samples query = Clouds.gaussian(500, dim, 1.5, 100 + dim);
            NearestNeighbours nn = new NearestNeighbours(ref);
            for (int i = 0; i < query.n(); i++) {
                double best = Double.MAX_VALUE;
                for (int j = 0; j < ref.n(); j++)
                    best = Math.min(best, Mmd.sqDist(query.values(), i * dim, ref.values(), j * dim, dim));
                assertEquals(best, nn.nearestSq(query, i), 0.0, "dim " + dim + " query " + i);
            }
        }
        // many duplicate coordinates stress the median split
        Samples grid = Clouds.of(2, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 2, 0, 0, 2, 1, 1, 0, 1, 0, 0);
        NearestNeighbours nn = new NearestNeighbours(grid);
        assertEquals(0.0, nn.nearestSq(Clouds.of(2, 2, 0), 0));
        assertEquals(0.25, nn.nearestSq(Clouds.of(2, 0.5, 2), 0), 1e-12);
    }

    @Test
    void medianNearestDistanceOnAHandExample() {
        Samples ref = Clouds.of(1, 0, 10);
        // distances 1, 2, 4, 5 -> median 3
        assertEquals(3.0, Sharpness.medianNearestDistance(Clouds.of(1, 1, 8, 14, -5), ref), 1e-6);
    }

    @Test
    void tenThousandAgainstTenThousandIsFast() {
        Samples g = roll.sample(10_000, 9);
        double s = Clouds.bestSeconds(() -> Sharpness.ratio(g, data, fresh));
        assertTrue(s < 1.0, "sharpness took " + s + " s");
    }
}
