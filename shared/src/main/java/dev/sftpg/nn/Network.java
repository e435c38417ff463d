package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable function of a batch (rows = examples) and an optional per-row time input, with its
 * parameters in one {@link ParameterStore}. Not thread-safe: one network instance belongs to one thread.
 */
public interface Network {

    /**
     * Computes the output for {@code x} ([B, inputDim]) and, for conditional networks, {@code tau} (length >= B).
     * The returned array is owned by the network and valid until the next forward with the same batch size;
     * {@code x} must stay unchanged until {@link #backward} has run.
     */
    INDArray forward(INDArray x, float[] tau);

    /** Adds d(loss)/d(parameters) to the gradient store, given d(loss)/d(output) of the latest forward. */
    void backward(INDArray gradOut);

    ParameterStore parameters();

    /**
     * The architecture this network was built from (a fresh {@code spec().build(seed)} has the same layout). Analytic
     * stand-ins with no trainable architecture have none.
     */
    default NetworkSpec spec() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is not built from an architecture");
    }

    int inputDim();

    int outputDim();
}
