package dev.sftpg.data;

import java.util.SplittableRandom;

/**
 * Batches of a fixed training set in epochs: a fresh random permutation each pass, every point once per epoch,
 * as PyTorch's randperm loop in the reference does. Seeded through the caller's generator.
 */
public final class EpochSampler {
    private final Points data;
    private final SplittableRandom rng;
    private final int[] perm;
    private int cursor;

    public EpochSampler(Points data, SplittableRandom rng) {
        if (data.n() < 1) throw new IllegalArgumentException("the training set is empty");
        this.data = data;
        this.rng = rng;
        this.perm = new int[data.n()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        this.cursor = perm.length;
    }

    /** The index of the next point. */
    public int nextIndex() {
        if (cursor >= perm.length) {
            for (int i = perm.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            cursor = 0;
        }
        return perm[cursor++];
    }

    /** The next {@code n} points, row-major. */
    public float[] nextBatch(int n) {
        int dim = data.dim();
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) System.arraycopy(data.values(), nextIndex() * dim, out, i * dim, dim);
        return out;
    }
}
