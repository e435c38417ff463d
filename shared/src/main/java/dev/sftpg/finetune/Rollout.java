package dev.sftpg.finetune;

import dev.sftpg.nn.Network;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.Trajectory;
import dev.sftpg.sampler.TrajectorySampler;

/** A batch of whole trajectories from the current policy, as one state-major float array (S+1 states x batch x dim). */
public final class Rollout {
    private Rollout() {
    }

    /**
     * The noise seed of batch {@code sequence} of rollout worker {@code worker}: a pure function of the three, so a
     * resumed run draws exactly the noise the interrupted one would have drawn next, with no random stream to save.
     */
    public static long seedFor(long runSeed, long worker, long sequence) {
        return new java.util.SplittableRandom(runSeed * 0x9E3779B97F4A7C15L + worker * 0xC2B2AE3D27D4EB4FL
                + sequence * 0x165667B19E3779F9L + 5).nextLong();
    }

    public static float[] generate(Network policy, SamplerRecord rec, int batch, long seed) {
        Trajectory t = TrajectorySampler.sample(policy, rec, batch, seed, true);
        int dim = policy.inputDim();
        int stateSize = batch * dim;
        float[] out = new float[(rec.steps() + 1) * stateSize];
        for (int i = 0; i <= rec.steps(); i++) System.arraycopy(t.states()[i].data().asFloat(), 0, out, i * stateSize, stateSize);
        return out;
    }
}
