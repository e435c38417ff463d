package dev.sftpg.finetune;

import dev.sftpg.data.EpochSampler;
import dev.sftpg.data.Samples;
import dev.sftpg.nn.Network;


/**
 * SFT-PG as the reference runs it, in one thread: per batch a rollout, a value step and a critic step; every
 * nCritic batches a policy update from the buffered transitions. The verticles split these same calls across
 * actors; this loop is the yardstick their maths is tested against, and the single-process fallback.
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
    private long batches;

    public SftPgLoop(SftPgSetup setup, Network pretrained, Samples data) {
        this.setup = setup;
        this.critic = setup.critic();
        this.value = setup.value();
        this.policy = setup.policy(pretrained);
        this.real = setup.realBatches(data);
    }

    public BatchResult step() {
        int b = setup.batch(), s = setup.sampler().steps(), dim = setup.dim();
        // one rollout worker, number 0, whose batch sequence is the batch index
        float[] states = Rollout.generate(policy.network(), setup.sampler(), b, Rollout.seedFor(setup.seed(), 0, batches));
        float[] fin = java.util.Arrays.copyOfRange(states, s * b * dim, (s + 1) * b * dim);
        policy.add(states, b);
        float[] fOfFinal = critic.score(fin, b);
        ValueLearner.Coupling coupling = value.step(states, s, b, fOfFinal, setup.lambda());
        CriticLearner.Step c = critic.step(real.nextBatch(b), b, fin, b, coupling.criticGradient());
        batches++;
        PolicyLearner.Update u = batches % setup.nCritic() == 0
                ? policy.update((p, n, st) -> critic.score(p, n), value::predict) : null;
        return new BatchResult(batches, c, coupling, u);
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
