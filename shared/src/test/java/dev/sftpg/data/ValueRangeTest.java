package dev.sftpg.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ValueRangeTest {

    private static DataSource bounded(double lo, double hi) {
        return new DataSource() {
            public String name() {
                return "bounded";
            }

            public SampleShape shape() {
                return SampleShape.image(1, 1, 3);
            }

            public Samples sample(int n, long seed) {
                return new Samples(n, shape(), new float[n * 3]);
            }

            @Override
            public double[] valueRange() {
                return new double[]{lo, hi};
            }
        };
    }

    @Test
    void generatedImagesAreClippedToTheDataRangeAndTheOriginalIsLeftAlone() {
        float[] v = {-3f, -1f, 0.25f, 1f, 1.5f, Float.NEGATIVE_INFINITY};
        Samples gen = new Samples(2, SampleShape.image(1, 1, 3), v);
        Samples clipped = bounded(-1, 1).clipToRange(gen);
        assertArrayEquals(new float[]{-1f, -1f, 0.25f, 1f, 1f, -1f}, clipped.values());
        assertArrayEquals(new float[]{-3f, -1f, 0.25f, 1f, 1.5f, Float.NEGATIVE_INFINITY}, gen.values());
    }

    @Test
    void unboundedDataLeavesSamplesAsTheyAre() {
        Samples gen = new Samples(1, SampleShape.vector(2), new float[]{40f, -40f});
        assertSame(gen, DataSources.create("swissroll", java.util.Map.of()).clipToRange(gen));
    }
}
