package dev.sftpg.data;

import java.util.SplittableRandom;

/**
 * Batches of a fixed training set in epochs: a fresh random permutation each pass, every point once per epoch,
 * as PyTorch's randperm loop in the reference does. Seeded either through the caller's generator, or by a seed
 * alone: then epoch e's permutation depends only on (seed, e), so the position ({@link #drawn}) is the whole state
 * and {@link #skipTo} restores it for a resumed run.
 */
public final class EpochSampler {
    private final Samples data;
    private final SplittableRandom rng;
    private final long seed;
    private final int[] perm;
    private int cursor;
    private long drawn;

    public EpochSampler(Samples data, SplittableRandom rng) {
        this(data, rng, 0);
    }

    /** A sampler whose state is its position alone (see {@link #skipTo}). */
    public EpochSampler(Samples data, long seed) {
        this(data, null, seed);
    }

    private EpochSampler(Samples data, SplittableRandom rng, long seed) {
        if (data.n() < 1) throw new IllegalArgumentException("the training set is empty");
        this.data = data;
        this.rng = rng;
        this.seed = seed;
        this.perm = new int[data.n()];
        this.cursor = perm.length;
    }

    /** The index of the next point. */
    public int nextIndex() {
        if (cursor >= perm.length) shuffle(drawn / perm.length);
        drawn++;
        return perm[cursor++];
    }

    private void shuffle(long epoch) {
        SplittableRandom r = rng != null ? rng : new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        if (rng == null || epoch == 0) for (int i = 0; i < perm.length; i++) perm[i] = i;
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        cursor = 0;
    }

    /** Samples drawn so far. */
    public long drawn() {
        return drawn;
    }

    /** Continues as if {@code position} points had been drawn (seeded samplers only). */
    public void skipTo(long position) {
        if (rng != null) throw new IllegalStateException("a sampler driven by a shared generator cannot skip");
        if (position < 0) throw new IllegalArgumentException("position " + position + " < 0");
        long epoch = position / perm.length;
        shuffle(epoch);
        cursor = (int) (position % perm.length);
        drawn = position;
    }

    /** The next {@code n} points, row-major. */
    public float[] nextBatch(int n) {
        int dim = data.dim();
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) System.arraycopy(data.values(), nextIndex() * dim, out, i * dim, dim);
        return out;
    }
}
