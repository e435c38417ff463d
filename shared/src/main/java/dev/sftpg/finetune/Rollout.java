package dev.sftpg.finetune;

import dev.sftpg.nn.Network;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.Trajectory;
import dev.sftpg.sampler.TrajectorySampler;

/** A batch of whole trajectories from the current policy, as one state-major float array (S+1 states x batch x dim). */
public final class Rollout {
    private Rollout() {
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
