package dev.sftpg.finetune;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.NetworkSpec;
import dev.sftpg.nn.Optimizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The value V(x_i, i): the expected final cost f(x0) from state i of a trajectory. Regressed onto f(x0) over all
 * S decision states of a batch with loss {@code lambda * S * mean_{r,i} (V(x_{r,i}, i) - f_r)^2}; the same loss's
 * gradient w.r.t. f_r is handed to the critic, which is how V regularises f (the paper's gradient-free critic
 * regularisation).
 */
public final class ValueLearner {

    /** The value loss of one batch and d(loss)/d f_r for each trajectory r (for the critic). */
    public record Coupling(double loss, float[] criticGradient, Optimizer.StepInfo update) {
    }

    private final Network v;
    private final Optimizer optimizer;
    private final int dim;

    public ValueLearner(NetworkSpec spec, long seed, double lr) {
        this.v = spec.build(seed);
        this.optimizer = new Optimizer(v.parameters(), Optimizer.Kind.ADAM, lr, 0);
        this.dim = spec.inputDim();
    }

    public Network network() {
        return v;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** V for {@code n} points at trajectory step indices {@code steps}. */
    public float[] predict(float[] points, int n, int[] steps) {
        float[] tau = new float[n];
        for (int r = 0; r < n; r++) tau[r] = steps[r];
        return v.forward(Nd4j.create(points, new long[]{n, dim}, DataType.FLOAT), tau).dup().data().asFloat();
    }

    /**
     * One regression step on a trajectory batch (state-major, S+1 states of {@code batch} rows) against the
     * critic's f of each final sample.
     */
    public Coupling step(float[] states, int steps, int batch, float[] criticOfFinal, double lambda) {
        int n = steps * batch;
        float[] tau = new float[n];
        for (int i = 0; i < steps; i++) java.util.Arrays.fill(tau, i * batch, (i + 1) * batch, i);
        // states 0..S-1 are the decision states; they are the first S*batch rows of the state-major array
        float[] pred = v.forward(Nd4j.create(java.util.Arrays.copyOf(states, n * dim), new long[]{n, dim}, DataType.FLOAT), tau).dup().data().asFloat();
        float[] gradV = new float[n];
        float[] gradF = new float[batch];
        double loss = 0;
        for (int i = 0; i < steps; i++) {
            for (int r = 0; r < batch; r++) {
                int k = i * batch + r;
                double diff = pred[k] - criticOfFinal[r];
                loss += diff * diff;
                // S * mean over S*batch entries == sum / batch
                gradV[k] = (float) (2 * lambda * diff / batch);
                gradF[r] -= (float) (2 * lambda * diff / batch);
            }
        }
        v.backward(Nd4j.create(gradV, new long[]{n, 1}, DataType.FLOAT));
        Optimizer.StepInfo info = optimizer.step();
        return new Coupling(lambda * loss / batch, gradF, info);
    }
}
