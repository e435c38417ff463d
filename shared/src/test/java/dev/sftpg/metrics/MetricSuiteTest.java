package dev.sftpg.metrics;

import dev.sftpg.data.Bars;
import dev.sftpg.data.Samples;
import dev.sftpg.data.SwissRoll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricSuiteTest {

    @Test
    void pointsScoreTheBriefsMetricsWithSwdFirst() {
        MetricSuite suite = MetricSuite.points(50);
        assertEquals(List.of("swd", "mmd", "sharpness"), suite.names());
        assertEquals("swd", suite.primary());
        SwissRoll roll = new SwissRoll();
        Samples gen = roll.sample(1000, 1), data = roll.sample(1000, 2), fresh = roll.sample(1000, 3);
        Map<String, Double> s = suite.score(gen, data, fresh, 0);
        // the same definitions as the metrics on their own
        assertEquals(SlicedWasserstein.distance(gen, data, 50, 2.0, 0), s.get("swd"));
        assertEquals(Sharpness.ratio(gen, data, fresh), s.get("sharpness"));
        assertEquals(Mmd.rbfMedian(gen, data, 0), s.get("mmd"));
    }

    @Test
    void offPatternCountsImagesThatAreNoBar() {
        Bars bars = new Bars(8, 0.05);
        MetricSuite suite = MetricSuite.images(20, bars);
        assertEquals("offPattern", suite.names().get(3));
        Samples real = bars.sample(200, 1);
        float[] half = real.values().clone();
        for (int i = 0; i < 100 * 64; i++) half[i] = 0f; // the first 100 images blanked to grey
        Samples gen = new Samples(200, bars.shape(), half);
        Map<String, Double> s = suite.score(gen, bars.sample(200, 2), bars.sample(200, 3), 0);
        assertEquals(0.5, s.get("offPattern"), 1e-12);
        assertEquals(0.0, suite.score(real, bars.sample(200, 2), bars.sample(200, 3), 0).get("offPattern"));
        assertTrue(s.get("swd") > 0);
    }
}
