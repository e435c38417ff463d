package dev.sftpg.finetune;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.NetworkSpec;
import dev.sftpg.nn.Optimizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The critic f of SFT-PG, a cost: trained to be low on data and high on samples by minimising
 * {@code mean f(real) - mean f(fake)}, plus the value-coupling term whose gradient w.r.t. f(x0) the value
 * learner supplies (the reference's "f(x0) not detached" in the value loss). No gradient penalty, no spectral norm.
 */
public final class CriticLearner {

    /** One critic step: the IPM estimate mean f(fake) - mean f(real) before the update, and the update's norms. */
    public record Step(double ipm, double loss, Optimizer.StepInfo update) {
    }

    private final Network f;
    private final Optimizer optimizer;
    private final int dim;

    public CriticLearner(NetworkSpec spec, long seed, double lr) {
        this.f = spec.build(seed);
        this.optimizer = new Optimizer(f.parameters(), Optimizer.Kind.ADAM, lr, 0);
        this.dim = spec.inputDim();
    }

    public Network network() {
        return f;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** f for each of {@code n} points (row-major, {@code n * dim} floats). */
    public float[] score(float[] points, int n) {
        return f.forward(Nd4j.create(points, new long[]{n, dim}, DataType.FLOAT), null).dup().data().asFloat();
    }

    /**
     * One step on a real and a fake batch. {@code couplingGradient} (nullable) is d(value loss)/d f(fake_r) per fake
     * row, already weighted by lambda; it is added to the IPM gradient of the same forward pass.
     */
    public Step step(float[] real, int nReal, float[] fake, int nFake, float[] couplingGradient) {
        float[] both = new float[(nReal + nFake) * dim];
        System.arraycopy(real, 0, both, 0, nReal * dim);
        System.arraycopy(fake, 0, both, nReal * dim, nFake * dim);
        INDArray out = f.forward(Nd4j.create(both, new long[]{nReal + nFake, dim}, DataType.FLOAT), null);
        float[] values = out.dup().data().asFloat();
        double meanReal = 0, meanFake = 0;
        for (int i = 0; i < nReal; i++) meanReal += values[i];
        for (int i = 0; i < nFake; i++) meanFake += values[nReal + i];
        meanReal /= nReal;
        meanFake /= nFake;
        float[] grad = new float[nReal + nFake];
        for (int i = 0; i < nReal; i++) grad[i] = 1f / nReal;
        for (int i = 0; i < nFake; i++) grad[nReal + i] = -1f / nFake + (couplingGradient == null ? 0f : couplingGradient[i]);
        f.backward(Nd4j.create(grad, new long[]{nReal + nFake, 1}, DataType.FLOAT));
        Optimizer.StepInfo info = optimizer.step();
        return new Step(meanFake - meanReal, meanReal - meanFake, info);
    }
}
