package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;


/**
 * Adam or RMSprop over a whole {@link ParameterStore} in one native op, with optional global-norm clipping
 * (PyTorch's clip_grad_norm_). The state is one flat array, so checkpoints can save and restore it.
 */
public final class Optimizer {

    public enum Kind {
        ADAM, RMSPROP;

        public static Kind parse(String s) {
            return dev.sftpg.util.Enums.parse(Kind.class, s, "optimiser");
        }
    }

    /** What one step did, for logs and dashboards. */
    public record StepInfo(double gradNorm, double clippedNorm, boolean finite) {
    }

    private final ParameterStore store;
    private final Kind kind;
    private final double clipNorm;
    private final INDArray state;
    private GradientUpdater<?> updater;
    private double learningRate;
    private int iteration;

    /**
     * @param clipNorm maximum global L2 norm of the gradient; 0 or less disables clipping
     */
    public Optimizer(ParameterStore store, Kind kind, double learningRate, double clipNorm) {
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        this.store = store;
        this.kind = kind;
        this.clipNorm = clipNorm;
        IUpdater cfg = config(learningRate);
        long n = store.flatParams().length();
        state = Nd4j.zeros(store.dataType(), 1, cfg.stateSize(n));
        this.learningRate = learningRate;
        updater = cfg.instantiate(state, true);
    }

    private IUpdater config(double lr) {
        // PyTorch defaults: Adam(0.9, 0.999, 1e-8); RMSprop(alpha 0.99, eps 1e-8)
        return kind == Kind.ADAM ? new Adam(lr, 0.9, 0.999, 1e-8) : new RmsProp(lr, 0.99, 1e-8);
    }

    public double learningRate() {
        return learningRate;
    }

    /** Changes the learning rate, keeping the moment estimates. */
    public void setLearningRate(double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        learningRate = lr;
        updater = config(lr).instantiate(state, false);
    }

    public int iteration() {
        return iteration;
    }

    /** Moment estimates and step count, for checkpoints. */
    public INDArray state() {
        return state;
    }

    public void restore(float[] stateValues, int iteration) {
        if (stateValues.length != state.length())
            throw new IllegalArgumentException("optimiser state has " + stateValues.length + " values, expected " + state.length());
        state.assign(Nd4j.create(stateValues, state.shape(), state.dataType()));
        this.iteration = iteration;
    }

    /**
     * Clips and applies the accumulated gradients, then zeroes them. A non-finite gradient skips the update
     * (and still zeroes), so one bad batch cannot poison the weights.
     */
    public StepInfo step() {
        INDArray grads = store.flatGrads();
        double norm = grads.norm2Number().doubleValue();
        if (!Double.isFinite(norm)) {
            store.zeroGrads();
            return new StepInfo(norm, norm, false);
        }
        double clipped = norm;
        if (clipNorm > 0 && norm > clipNorm) {
            grads.muli(clipNorm / (norm + 1e-6));
            clipped = clipNorm;
        }
        updater.applyUpdater(grads, iteration++, 0);
        store.flatParams().subi(grads);
        store.zeroGrads();
        return new StepInfo(norm, clipped, true);
    }
}
