package dev.sftpg.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A data file split into a training part and an evaluation part: a held-out fraction of its rows (shuffled with a
 * seed, so the split is reproducible), or a second file. Training draws come from the training rows only and
 * evaluation draws from the held-out rows only, so no metric ever compares samples with the rows they were trained on.
 */
public final class SplitFileSource implements DataSource {
    /** Fewer rows than this in either part cannot rank samplers: refused with the fix. */
    public static final int MIN_ROWS = 50;

    private final String name;
    private final Samples train;
    private final Samples eval;
    private final String description;

    private SplitFileSource(String name, Samples train, Samples eval, String description) {
        this.name = name;
        this.train = train;
        this.eval = eval;
        this.description = description;
    }

    /** Holds out {@code fraction} of {@code rows} (shuffled with {@code seed}) for evaluation. */
    public static SplitFileSource heldOut(String name, Path file, Samples rows, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1))
            throw new IllegalArgumentException("data.evalFraction must be in (0, 1), got " + fraction);
        int held = (int) Math.round(rows.n() * fraction);
        int kept = rows.n() - held;
        if (held < MIN_ROWS || kept < MIN_ROWS)
            throw new IllegalArgumentException(file + " has " + rows.n() + " rows: holding out " + fraction + " of them leaves "
                    + kept + " to train on and " + held + " to evaluate with, and each part needs at least " + MIN_ROWS
                    + "; give more rows, change data.evalFraction, or name a separate evaluation file in data.evalPath");
        EpochSampler order = new EpochSampler(rows, seed); // its first epoch is a seeded permutation of the rows
        int dim = rows.dim();
        float[] t = new float[kept * dim], e = new float[held * dim];
        for (int i = 0; i < rows.n(); i++) {
            int src = order.nextIndex();
            if (i < kept) System.arraycopy(rows.values(), src * dim, t, i * dim, dim);
            else System.arraycopy(rows.values(), src * dim, e, (i - kept) * dim, dim);
        }
        return new SplitFileSource(name, new Samples(kept, rows.shape(), t), new Samples(held, rows.shape(), e),
                name + "(" + file + ", " + kept + " training + " + held + " held-out rows of " + rows.shape() + ")");
    }

    /** Trains on {@code train}'s rows and evaluates on {@code eval}'s, which must be other rows of the same shape. */
    public static SplitFileSource twoFiles(String name, Path trainFile, Samples train, Path evalFile, Samples eval) {
        if (!train.shape().equals(eval.shape()))
            throw new IllegalArgumentException("data.evalPath " + evalFile + " holds samples of shape " + eval.shape() + " but "
                    + trainFile + " holds " + train.shape() + ": give an evaluation file of the same columns");
        if (train.n() < MIN_ROWS || eval.n() < MIN_ROWS)
            throw new IllegalArgumentException((train.n() < MIN_ROWS ? trainFile + " has " + train.n() : evalFile + " has " + eval.n())
                    + " rows; training and evaluation each need at least " + MIN_ROWS);
        int shared = sharedRows(train, eval);
        if (shared * 2 > eval.n())
            throw new IllegalArgumentException("data.evalPath " + evalFile + " repeats " + shared + " of its " + eval.n()
                    + " rows from the training file " + trainFile + ": evaluation needs rows the model was not trained on "
                    + "(give a held-out file, or leave data.evalPath empty to hold out data.evalFraction of the training file)");
        return new SplitFileSource(name, train, eval,
                name + "(" + trainFile + " " + train.n() + " rows, evaluated on " + evalFile + " " + eval.n() + " rows of " + train.shape() + ")");
    }

    private static int sharedRows(Samples a, Samples b) {
        Set<String> seen = new HashSet<>();
        int dim = a.dim();
        for (int i = 0; i < a.n(); i++) seen.add(Arrays.toString(Arrays.copyOfRange(a.values(), i * dim, (i + 1) * dim)));
        int shared = 0;
        for (int i = 0; i < b.n(); i++)
            if (seen.contains(Arrays.toString(Arrays.copyOfRange(b.values(), i * dim, (i + 1) * dim)))) shared++;
        return shared;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SampleShape shape() {
        return train.shape();
    }

    /** Rows drawn uniformly with replacement from the training part: its empirical distribution. */
    @Override
    public Samples sample(int n, long seed) {
        return train.resample(n, seed);
    }

    @Override
    public Samples trainingSet(int size, long seed) {
        return new Samples(train.n(), train.shape(), train.values().clone());
    }

    @Override
    public Samples evaluationSample(int n, long seed) {
        return eval.resample(n, seed);
    }

    /** Rows of the held-out part (a copy). */
    public Samples evaluationSet() {
        return new Samples(eval.n(), eval.shape(), eval.values().clone());
    }

    @Override
    public String toString() {
        return description;
    }
}
