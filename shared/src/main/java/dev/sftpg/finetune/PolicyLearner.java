package dev.sftpg.finetune;

import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.nn.Optimizer;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.TransitionLogProb;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generator of SFT-PG: the few-step sampler as a policy. It buffers the transitions of the rollout batches
 * admitted since its last update; an update draws {@code nGenerator} minibatches of B transitions from the buffer,
 * scores them with the current critic and value (advantage A = f(x0) - V(x_i, i), a constant), takes one
 * clipped Adam step on mean(A * log p) per minibatch, clears the buffer and bumps the policy version.
 */
public final class PolicyLearner {

    /** Figures of one update (averaged over its minibatches). */
    public record Update(long version, double loss, double advantageMean, double advantageStd, double gradNorm,
                         double clippedNorm, int transitions, int skipped) {
    }

    private record Buffered(float[] states, int batch) {
    }

    private final ConditionalMlp policy;
    private final SamplerRecord sampler;
    private final LogProbReduction reduction;
    private final Optimizer optimizer;
    private final int minibatch;
    private final int minibatches;
    private final SplittableRandom rng;
    private final List<Buffered> buffer = new ArrayList<>();
    private final int dim;
    private long version;

    public PolicyLearner(ConditionalMlp policy, SamplerRecord sampler, LogProbReduction reduction, double lr, double clip,
                         int minibatch, int minibatches, long seed) {
        this.policy = policy;
        this.sampler = sampler.requireStochastic();
        this.reduction = reduction;
        this.optimizer = new Optimizer(policy.parameters(), Optimizer.Kind.ADAM, lr, clip);
        this.minibatch = minibatch;
        this.minibatches = minibatches;
        this.rng = new SplittableRandom(seed);
        this.dim = policy.inputDim();
    }

    public long version() {
        return version;
    }

    public ConditionalMlp network() {
        return policy;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public float[] weights() {
        return policy.parameters().toFloats();
    }

    /** Adds a rollout batch (state-major, S+1 states of {@code batch} rows) to the buffer. */
    public void add(float[] states, int batch) {
        if (states.length != (sampler.steps() + 1) * batch * dim)
            throw new IllegalArgumentException("trajectory batch has " + states.length + " values, expected "
                    + (sampler.steps() + 1) * batch * dim);
        buffer.add(new Buffered(states, batch));
    }

    public int bufferedTransitions() {
        return buffer.stream().mapToInt(b -> b.batch * sampler.steps()).sum();
    }

    public Update update(Scorer critic, Scorer value) {
        int steps = sampler.steps();
        int total = bufferedTransitions();
        if (total == 0) throw new IllegalStateException("policy update with an empty buffer");
        // index k -> (buffered batch, step i, row r), shuffled
        int[] owner = new int[total], stepOf = new int[total], rowOf = new int[total];
        int k = 0;
        for (int b = 0; b < buffer.size(); b++)
            for (int i = 0; i < steps; i++)
                for (int r = 0; r < buffer.get(b).batch; r++) {
                    owner[k] = b;
                    stepOf[k] = i;
                    rowOf[k++] = r;
                }
        int[] perm = new int[total];
        for (int i = 0; i < total; i++) perm[i] = i;
        for (int i = total - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double loss = 0, advSum = 0, advSq = 0, norm = 0, clipped = 0;
        int used = 0, done = 0, skipped = 0;
        for (int m = 0; m < minibatches && m * minibatch < total; m++) {
            int n = Math.min(minibatch, total - m * minibatch);
            float[] x = new float[n * dim], xNext = new float[n * dim], fin = new float[n * dim];
            int[] step = new int[n];
            for (int q = 0; q < n; q++) {
                int idx = perm[m * minibatch + q];
                Buffered b = buffer.get(owner[idx]);
                int i = stepOf[idx], r = rowOf[idx], stateSize = b.batch * dim;
                System.arraycopy(b.states, i * stateSize + r * dim, x, q * dim, dim);
                System.arraycopy(b.states, (i + 1) * stateSize + r * dim, xNext, q * dim, dim);
                System.arraycopy(b.states, steps * stateSize + r * dim, fin, q * dim, dim);
                step[q] = i;
            }
            float[] f = critic.score(fin, n, null);
            float[] v = value.score(x, n, step);
            float[] adv = new float[n];
            for (int q = 0; q < n; q++) {
                adv[q] = f[q] - v[q];
                advSum += adv[q];
                advSq += (double) adv[q] * adv[q];
            }
            used += n;
            loss += TransitionLogProb.policyGradient(policy, sampler,
                    Nd4j.create(x, new long[]{n, dim}, DataType.FLOAT), Nd4j.create(xNext, new long[]{n, dim}, DataType.FLOAT),
                    step, adv, reduction);
            Optimizer.StepInfo info = optimizer.step();
            if (!info.finite()) skipped++;
            norm += info.gradNorm();
            clipped += info.clippedNorm();
            done++;
        }
        buffer.clear();
        version++;
        double mean = advSum / used;
        double std = Math.sqrt(Math.max(0, advSq / used - mean * mean));
        return new Update(version, loss / done, mean, std, norm / done, clipped / done, used, skipped);
    }

    /** Drops buffered transitions (e.g. after a version change made them too stale). */
    public void clearBuffer() {
        buffer.clear();
    }
}
