package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Exponential moving average of a network's parameters: shadow = mu * shadow + (1 - mu) * params. */
public final class Ema {
    private final double mu;
    private final INDArray shadow;

    public Ema(ParameterStore store, double mu) {
        if (!(mu >= 0 && mu < 1)) throw new IllegalArgumentException("EMA decay must lie in [0, 1), got " + mu);
        this.mu = mu;
        this.shadow = store.flatParams().dup();
    }

    public void update(ParameterStore store) {
        INDArray p = store.flatParams();
        // mu * shadow + (1 - mu) * p  ==  mu * (shadow - p) + p, in place
        shadow.subi(p).muli(mu).addi(p);
    }

    /** Writes the averaged parameters into {@code target} (same layout). */
    public void copyTo(ParameterStore target) {
        target.flatParams().assign(shadow);
    }
}
