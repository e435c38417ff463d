package dev.sftpg.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesAndBarsTest {

    @Test
    void shapesCompareAxisByAxis() {
        assertEquals(SampleShape.image(1, 8, 8), SampleShape.of(1, 8, 8));
        assertEquals(SampleShape.vector(3), SampleShape.of(3));
        assertEquals(64, SampleShape.image(1, 8, 8).size());
        assertTrue(SampleShape.image(1, 8, 8).matches(new int[]{1, 8, 8}));
        assertTrue(!SampleShape.image(1, 8, 8).matches(new int[]{64}));
        assertEquals("[1, 28, 28]", SampleShape.image(1, 28, 28).toString());
        assertTrue(SampleShape.image(1, 8, 8).isImage());
        assertTrue(!SampleShape.vector(2).isImage());
        assertNotEquals(SampleShape.vector(64), SampleShape.image(1, 8, 8));
        assertThrows(IllegalArgumentException.class, () -> SampleShape.of(1, 0));
    }

    @Test
    void pointsCarryTheirShape() {
        Samples p = new Samples(2, SampleShape.image(1, 2, 2), new float[8]);
        assertEquals(4, p.dim());
        assertEquals(SampleShape.image(1, 2, 2), p.head(1).shape());
        assertThrows(IllegalArgumentException.class, () -> new Samples(2, SampleShape.image(1, 2, 2), new float[7]));
        assertEquals(SampleShape.vector(2), new Samples(1, 2, new float[2]).shape());
    }

    @Test
    void barsAreCleanPatternsPlusNoise() {
        Bars bars = new Bars(8, 0.05);
        assertEquals(SampleShape.image(1, 8, 8), bars.shape());
        // pattern 3 is the fourth row lit, pattern 8 + 2 the third column
        float[] row = bars.pattern(3), col = bars.pattern(10);
        for (int x = 0; x < 8; x++) {
            assertEquals(1f, row[3 * 8 + x]);
            assertEquals(1f, col[x * 8 + 2]);
        }
        assertEquals(-1f, row[0]);
        Samples s = bars.sample(500, 1);
        assertArrayEquals(s.values(), bars.sample(500, 1).values());
        double worst = 0;
        for (int i = 0; i < s.n(); i++) worst = Math.max(worst, bars.nearestPatternDistance(s, i));
        assertTrue(worst < 0.1, "real images sit at their noise level, got " + worst);
        Samples blank = new Samples(1, bars.shape(), new float[64]); // all grey: far from every bar
        assertTrue(bars.nearestPatternDistance(blank, 0) > 0.3);
    }
}
