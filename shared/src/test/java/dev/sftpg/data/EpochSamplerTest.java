package dev.sftpg.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class EpochSamplerTest {
    private static final Samples DATA = new Samples(7, 1, new float[]{0, 1, 2, 3, 4, 5, 6});

    @Test
    void everyPointOnceAnEpochInAFreshOrder() {
        EpochSampler s = new EpochSampler(DATA, 3L);
        int[] first = new int[7], second = new int[7];
        for (int i = 0; i < 7; i++) first[i] = s.nextIndex();
        for (int i = 0; i < 7; i++) second[i] = s.nextIndex();
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6}, Arrays.stream(first).sorted().toArray());
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6}, Arrays.stream(second).sorted().toArray());
        assertFalse(Arrays.equals(first, second), "each epoch has its own permutation");
        assertEquals(14, s.drawn());
    }

    @Test
    void aSeededSamplerRestoredFromItsPositionContinuesExactly() {
        for (int at : new int[]{0, 1, 6, 7, 8, 20, 21}) {
            EpochSampler original = new EpochSampler(DATA, 11L);
            for (int i = 0; i < at; i++) original.nextIndex();
            EpochSampler restored = new EpochSampler(DATA, 11L);
            restored.skipTo(original.drawn());
            for (int i = 0; i < 30; i++) assertEquals(original.nextIndex(), restored.nextIndex(), "after " + at + " draws, draw " + i);
        }
    }

    @Test
    void aSamplerOnASharedGeneratorCannotSkip() {
        EpochSampler s = new EpochSampler(DATA, new SplittableRandom(1));
        assertThrows(IllegalStateException.class, () -> s.skipTo(3));
        assertThrows(IllegalArgumentException.class, () -> new EpochSampler(DATA, 1L).skipTo(-1));
    }
}
