package dev.sftpg.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MeanStdTest {

    @Test
    void sampleStandardDeviationWithNMinusOne() {
        MeanStd m = MeanStd.of(2, 4, 4, 4, 5, 5, 7, 9); // population sd 2, sample sd sqrt(32/7)
        assertEquals(5.0, m.mean(), 1e-12);
        assertEquals(Math.sqrt(32.0 / 7), m.std(), 1e-12);
        assertEquals(8, m.n());
    }

    @Test
    void singleValueHasZeroSpreadAndEmptyIsRejected() {
        assertEquals(new MeanStd(3.5, 0.0, 1), MeanStd.of(3.5));
        assertThrows(IllegalArgumentException.class, MeanStd::of);
    }
}
