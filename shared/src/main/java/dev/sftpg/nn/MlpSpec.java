package dev.sftpg.nn;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The architecture of a (time-conditioned) multilayer perceptron. Each hidden layer computes
 * {@code act((h W + b) * gamma(tau))} when conditioned, where {@code gamma(tau) = features(tau) G (+ g)};
 * with one-hot features that is exactly the reference's ConditionalLinear (a learned per-step scale).
 *
 * @param inputDim        data dimension
 * @param hidden          width of every hidden layer
 * @param hiddenLayers    number of hidden layers
 * @param outputDim       output dimension
 * @param activation      hidden nonlinearity
 * @param conditioning    time features, or null for an unconditional network (the critic)
 * @param conditionOutput whether the output layer is conditioned too (the reference's value network)
 * @param gammaBias       whether gamma has a learned bias (initialised to 1), used with sinusoidal features
 * @param xavierHidden    xavier-normal weights for conditional layers (reference), else PyTorch's Linear default
 */
public record MlpSpec(int inputDim, int hidden, int hiddenLayers, int outputDim, Activation activation,
                      TimeConditioning conditioning, boolean conditionOutput, boolean gammaBias, boolean xavierHidden)
        implements NetworkSpec {

    public MlpSpec {
        if (inputDim < 1 || hidden < 1 || hiddenLayers < 1 || outputDim < 1)
            throw new IllegalArgumentException("MLP sizes must be positive");
        if (conditioning == null && (conditionOutput || gammaBias))
            throw new IllegalArgumentException("an unconditional MLP cannot condition its output or gamma");
    }

    /** The reference toy's epsilon network: three 128-wide softplus layers scaled by a per-step embedding. */
    public static MlpSpec referenceToyEpsilon(int dim, int steps) {
        return new MlpSpec(dim, 128, 3, dim, Activation.SOFTPLUS, new TimeConditioning.OneHot(steps), false, false, true);
    }

    /** The same shape with sinusoidal time features, for T = 1000 chains and continuous FastDPM times. */
    public static MlpSpec sinusoidalEpsilon(int dim, int hidden, int layers, int embedding) {
        return new MlpSpec(dim, hidden, layers, dim, Activation.SOFTPLUS, new TimeConditioning.Sinusoidal(embedding, 10000),
                false, true, true);
    }

    /** The toy critic f: 2 -> 256 -> 256 -> 1 with ReLU (the reference's fstar_tanh, which has no tanh). */
    public static MlpSpec toyCritic(int dim) {
        return new MlpSpec(dim, 256, 2, 1, Activation.RELU, null, false, false, false);
    }

    /** The toy value V(x_t, t): per-step-conditioned 2 -> 256 -> 256 -> 1, output conditioned too. */
    public static MlpSpec toyValue(int dim, int steps) {
        return new MlpSpec(dim, 256, 2, 1, Activation.RELU, new TimeConditioning.OneHot(steps), true, false, true);
    }

    @Override
    public ConditionalMlp build(long seed) {
        return new ConditionalMlp(this, DataType.FLOAT, seed);
    }

    @Override
    public ConditionalMlp build(long seed, DataType dtype) {
        return new ConditionalMlp(this, dtype, seed);
    }
}
