package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Exponential moving average of a network's parameters: shadow = mu * shadow + (1 - mu) * params. */
public final class Ema {
    private final double mu;
    private final INDArray shadow;
    private final boolean fused;

    public Ema(ParameterStore store, double mu) {
        if (!(mu >= 0 && mu < 1)) throw new IllegalArgumentException("EMA decay must lie in [0, 1), got " + mu);
        this.mu = mu;
        this.shadow = store.flatParams().dup();
        fused = dev.sftpg.nn.simd.Simd.AVAILABLE && shadow.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT
                && dev.sftpg.nn.simd.FloatKernels.fits(shadow) && dev.sftpg.nn.simd.FloatKernels.fits(store.flatParams())
                && !"false".equals(System.getProperty("sftpg.fusedMlp"));
    }

    public void update(ParameterStore store) {
        INDArray p = store.flatParams();
        if (fused) {
            dev.sftpg.nn.simd.MlpKernels.ema(shadow, p, (float) mu); // the same operations in one pass
            return;
        }
        // mu * shadow + (1 - mu) * p  ==  mu * (shadow - p) + p, in place
        shadow.subi(p).muli(mu).addi(p);
    }

    /** The averaged parameters as one float blob, in the store's layout (what a checkpoint keeps). */
    public float[] toFloats() {
        return shadow.dup().data().asFloat();
    }

    /** Replaces the average by {@code values} from {@link #toFloats()} of the same layout (a resumed run's). */
    public void restore(float[] values) {
        if (values.length != shadow.length())
            throw new IllegalArgumentException("EMA blob has " + values.length + " values, the network has " + shadow.length());
        shadow.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(values).reshape(shadow.shape()).castTo(shadow.dataType()));
    }

    /** Writes the averaged parameters into {@code target} (same layout). */
    public void copyTo(ParameterStore target) {
        target.flatParams().assign(shadow);
    }
}
