package dev.sftpg.finetune;

import dev.sftpg.data.EpochSampler;
import dev.sftpg.data.Samples;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.SecondCore;

import java.util.concurrent.Future;


/**
 * SFT-PG as the reference runs it, in one thread: per batch a rollout, a value step and a critic step; every
 * nCritic batches a policy update from the buffered transitions. The verticles split these same calls across
 * actors; this loop is the yardstick their maths is tested against, and the single-process fallback.
 * <p>
 * A batch's rollout depends only on the policy's weights and its own noise seed, so while a batch trains (critic
 * score, value step, critic step) the next batch's rollout is drawn on the {@link SecondCore} whenever no policy update
 * comes between them: the same trajectories, bit for bit, as drawn in turn ({@code -Dsftpg.rolloutAhead=false}).
 */
public final class SftPgLoop {

    /** What one critic batch did; {@code update} is non-null when the batch triggered a policy update. */
    public record BatchResult(long batchIndex, CriticLearner.Step critic, ValueLearner.Coupling value, PolicyLearner.Update update) {
    }

    private final SftPgSetup setup;
    private final CriticLearner critic;
    private final ValueLearner value;
    private final PolicyLearner policy;
    private final EpochSampler real;
    private final boolean rolloutAhead = !"false".equals(System.getProperty("sftpg.rolloutAhead"));
    private long batches;
    /** Batch {@code batches}' rollout, drawn while the previous batch trained; null when it was not. */
    private float[] drawnAhead;

    public SftPgLoop(SftPgSetup setup, Network pretrained, Samples data) {
        this.setup = setup;
        this.critic = setup.critic();
        this.value = setup.value();
        this.policy = setup.policy(pretrained);
        this.real = setup.realBatches(data);
    }

    public BatchResult step() {
        int b = setup.batch(), s = setup.sampler().steps(), dim = setup.dim();
        float[] states = drawnAhead != null ? drawnAhead : rollout(batches);
        drawnAhead = null;
        long next = batches + 1;
        // no policy update after this batch: the next batch's rollout sees the same weights, so it can be drawn now
        Future<float[]> ahead = rolloutAhead && next % setup.nCritic() != 0 ? SecondCore.offer(() -> rollout(next)) : null;
        CriticLearner.Step c;
        ValueLearner.Coupling coupling;
        try {
            float[] fin = java.util.Arrays.copyOfRange(states, s * b * dim, (s + 1) * b * dim);
            policy.add(states, b);
            float[] fOfFinal = critic.score(fin, b);
            coupling = value.step(states, s, b, fOfFinal, setup.lambda());
            c = critic.step(real.nextBatch(b), b, fin, b, coupling.criticGradient());
        } finally {
            // the policy network is not left in use by the helper when this returns
            if (ahead != null) drawnAhead = SecondCore.await(ahead);
        }
        batches++;
        PolicyLearner.Update u = batches % setup.nCritic() == 0
                ? policy.update((p, n, st) -> critic.score(p, n), value::predict) : null;
        return new BatchResult(batches, c, coupling, u);
    }

    /** Batch {@code index}'s trajectories: one rollout worker, number 0, whose batch sequence is the batch index. */
    private float[] rollout(long index) {
        return Rollout.generate(policy.network(), setup.sampler(), setup.batch(), Rollout.seedFor(setup.seed(), 0, index));
    }

    public CriticLearner critic() {
        return critic;
    }

    public ValueLearner value() {
        return value;
    }

    public PolicyLearner policy() {
        return policy;
    }
}
