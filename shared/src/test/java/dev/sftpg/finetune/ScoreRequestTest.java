package dev.sftpg.finetune;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.SampleShape;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.train.Diffusion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The critic scores each trajectory's final sample once per update, and the update is the one per-transition scores give. */
class ScoreRequestTest {
    private static final Config CONFIG = ConfigLoader.load("swissroll", List.of("model.hidden=16", "model.layers=2"), Map.of());
    private static final Diffusion DIFFUSION = new Diffusion(CONFIG);
    private static final SamplerRecord SAMPLER = DIFFUSION.policySampler();

    /** A cost that tells points apart. */
    private static float cost(float[] points, int row) {
        return points[2 * row] + 3 * points[2 * row + 1] * points[2 * row + 1];
    }

    private static PolicyLearner filledLearner(Network pretrained) {
        Network net = pretrained.spec().build(0);
        net.parameters().copyFrom(pretrained.parameters());
        PolicyLearner p = new PolicyLearner(net, SAMPLER, LogProbReduction.SUM, 1e-3, 0, 16, 4, 9);
        for (int b = 0; b < 3; b++) p.add(Rollout.generate(net, SAMPLER, 5, 100 + b), 5);
        return p;
    }

    @Test
    void eachFinalIsScoredOnceAndTheUpdateEqualsPerTransitionScoring() {
        Network pretrained = DIFFUSION.epsilonSpec(SampleShape.vector(2)).build(1);
        PolicyLearner once = filledLearner(pretrained), perRow = filledLearner(pretrained);

        PolicyLearner.ScoreRequest request = once.scoreRequest();
        // 64 transitions drawn from 3 x 5 trajectories of 10 steps: at most 15 distinct finals
        assertTrue(request.distinctFinals() <= 15, request.distinctFinals() + " finals");
        assertEquals(request.distinctFinals(), request.criticRows(), "no tail baseline: the critic sees the finals only");
        int[] asked = {0};
        float[] f = new float[request.criticRows()];
        for (int i = 0; i < f.length; i++) f[i] = cost(request.criticPoints(), i);
        float[] v = new float[request.valueRows()];
        for (int i = 0; i < v.length; i++) v[i] = 0.1f * request.valueSteps()[i];
        once.apply(request, f, v);

        // the same draw scored row by row, through the other entry point
        List<PolicyLearner.Minibatch> mbs = perRow.drawMinibatches();
        List<float[]> fs = new ArrayList<>(), vs = new ArrayList<>(), tails = new ArrayList<>();
        for (PolicyLearner.Minibatch mb : mbs) {
            float[] fm = new float[mb.n()], vm = new float[mb.n()];
            for (int q = 0; q < mb.n(); q++) {
                fm[q] = cost(mb.finals(), q);
                vm[q] = 0.1f * mb.steps()[q];
                asked[0]++;
            }
            fs.add(fm);
            vs.add(vm);
            tails.add(new float[0]);
        }
        perRow.apply(mbs, fs, vs, tails);
        assertEquals(64, asked[0]);
        assertArrayEquals(perRow.weights(), once.weights(), "one score per final gives the per-transition update exactly");
    }
}
