package dev.sftpg.nn;

import dev.sftpg.nn.simd.FloatKernels;
import dev.sftpg.nn.simd.MlpKernels;
import dev.sftpg.nn.simd.Simd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;


/**
 * Adam or RMSprop over a whole {@link ParameterStore} in one native op, with optional global-norm clipping
 * (PyTorch's clip_grad_norm_). The state is one flat array, so checkpoints can save and restore it. In float with
 * the Vector API present the norm, the clipping, the update and the zeroing are two passes over the arrays
 * ({@link MlpKernels#sumOfSquares}, {@link MlpKernels#adam}, {@link MlpKernels#rmsProp}) instead of five libnd4j ops;
 * the update is libnd4j's formula, the norm the same sum in another order.
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
    private final boolean fused;

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
        fused = Simd.AVAILABLE && store.dataType() == DataType.FLOAT && FloatKernels.fits(store.flatParams())
                && FloatKernels.fits(store.flatGrads()) && FloatKernels.fits(state) && !"false".equals(System.getProperty("sftpg.fusedMlp"));
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
        if (fused) return fusedStep();
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

    private StepInfo fusedStep() {
        INDArray grads = store.flatGrads();
        double norm = Math.sqrt(MlpKernels.sumOfSquares(grads));
        if (!Double.isFinite(norm)) {
            store.zeroGrads();
            return new StepInfo(norm, norm, false);
        }
        double clipped = norm;
        float scale = 1f;
        if (clipNorm > 0 && norm > clipNorm) {
            scale = (float) (clipNorm / (norm + 1e-6));
            clipped = clipNorm;
        }
        if (kind == Kind.ADAM) {
            // libnd4j's step size: lr sqrt(1 - beta2^t) / (1 - beta1^t), t = iteration + 1, the powers in float
            float beta1 = 0.9f, beta2 = 0.999f;
            float t = iteration + 1;
            float beta1T = (float) Math.pow(beta1, t), beta2T = (float) Math.pow(beta2, t);
            float stepSize = (float) ((float) learningRate * (float) Math.sqrt(1. - beta2T) / (1.0 - beta1T));
            if (Float.isNaN(stepSize) || stepSize == 0 || Float.isInfinite(stepSize)) stepSize = 1e-8f;
            MlpKernels.adam(store.flatParams(), grads, state, scale, beta1, beta2, 1e-8f, stepSize);
        } else {
            MlpKernels.rmsProp(store.flatParams(), grads, state, scale, (float) learningRate, 0.99f, 1e-8f);
        }
        iteration++;
        return new StepInfo(norm, clipped, true);
    }
}
