package dev.sftpg.fid;

import dev.sftpg.data.Bars;
import dev.sftpg.data.SampleShape;
import dev.sftpg.data.Samples;

import java.util.SplittableRandom;

/**
 * Labelled 8x8 bar images for classifier tests: four classes (horizontal bars in the top or bottom half, vertical
 * bars in the left or right half), each bar position equally likely, with Gaussian pixel noise.
 */
final class SyntheticImages {
    static final int SIDE = 8, CLASSES = 4;
    private static final Bars BARS = new Bars(SIDE, 0);

    final Samples images;
    final int[] labels;

    private SyntheticImages(Samples images, int[] labels) {
        this.images = images;
        this.labels = labels;
    }

    /** {@code n} images with pixel noise {@code noise}, brightness shifted by {@code shift}, from {@code seed}. */
    static SyntheticImages draw(int n, double noise, double shift, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int px = SIDE * SIDE;
        float[] v = new float[n * px];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(BARS.patterns());
            labels[i] = k / (SIDE / 2);
            float[] clean = BARS.pattern(k);
            for (int j = 0; j < px; j++) v[i * px + j] = (float) (clean[j] + shift + noise * rng.nextGaussian());
        }
        return new SyntheticImages(new Samples(n, SampleShape.image(1, SIDE, SIDE), v), labels);
    }
}
