package dev.sftpg.data;

/**
 * Where samples come from: the toy distributions, the synthetic images and user files alike, so training and
 * evaluation code never needs to know where its data came from.
 *
 * <p>Every source has a training distribution ({@link #sample}, {@link #trainingSet}) and an evaluation distribution
 * ({@link #evaluationSample}) independent of the training set: generators draw both fresh, a file is split into a
 * training part and a held-out part (or given a second file). Implementations must be reproducible: the same
 * {@code (n, seed)} gives bit-identical samples, which is what lets a run be re-evaluated or resumed with the same
 * reference draws.
 */
public interface DataSource {

    /** The name the source is selected by in configuration (see {@link DataSources#create}). */
    String name();

    /** The shape of one sample. */
    SampleShape shape();

    /** Values per sample. */
    default int dim() {
        return shape().size();
    }

    /** Draws {@code n >= 0} samples of the training distribution; the same seed always gives the same samples. */
    Samples sample(int n, long seed);

    /**
     * The training set: {@code size} samples drawn with {@code seed} from a generator; a file's training part as it is
     * (the arguments do not apply to it).
     */
    default Samples trainingSet(int size, long seed) {
        return sample(size, seed);
    }

    /** Draws {@code n} samples of the evaluation distribution, independent of the training set. */
    default Samples evaluationSample(int n, long seed) {
        return sample(n, seed);
    }

    /**
     * The closed interval every value of a data sample lies in, as {lo, hi}, or null when the data is unbounded. Generated
     * samples are clipped to it before they are scored or written (as an image is when it is saved), so a sampler's
     * overshoot past black or white costs it nothing beyond the clipping.
     */
    default double[] valueRange() {
        return null;
    }

    /** {@code generated} clipped to {@link #valueRange()}, or as it is when the data is unbounded. */
    default Samples clipToRange(Samples generated) {
        double[] r = valueRange();
        if (r == null) return generated;
        float[] v = generated.values().clone();
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.min(r[1], Math.max(r[0], v[i]));
        return new Samples(generated.n(), generated.shape(), v);
    }
}
