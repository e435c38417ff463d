package dev.sftpg.finetune;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.SampleShape;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.Trajectory;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.train.Diffusion;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The off-policy correction (finetune.importanceClip): truncated importance weights of lagged batches' transitions. */
class ImportanceCorrectionTest {
    private static final Config CONFIG = ConfigLoader.load("swissroll", List.of("model.hidden=16", "model.layers=2"), Map.of());
    private static final Diffusion DIFFUSION = new Diffusion(CONFIG);
    private static final SamplerRecord SAMPLER = DIFFUSION.policySampler();
    private static final int DIM = 2;

    private static Network net(long seed) {
        return DIFFUSION.epsilonSpec(SampleShape.vector(DIM)).build(seed);
    }

    private static Network copy(Network n) {
        Network c = n.spec().build(0);
        c.parameters().copyFrom(n.parameters());
        return c;
    }

    /** A learner whose steps are large enough for the policy to move visibly in one update. */
    private static PolicyLearner learner(Network net, int minibatches, double clip) {
        PolicyLearner p = new PolicyLearner(copy(net), SAMPLER, LogProbReduction.SUM, 1e-2, 0, 48, minibatches, 5);
        p.offPolicyCorrection(clip, clip > 0 ? 1 : 0);
        return p;
    }

    private static float[] states(Network net, int n, long seed) {
        Trajectory t = TrajectorySampler.sample(net, SAMPLER, n, seed, true);
        float[] out = new float[(SAMPLER.steps() + 1) * n * DIM];
        for (int i = 0; i <= SAMPLER.steps(); i++)
            System.arraycopy(t.states()[i].dup().data().asFloat(), 0, out, i * n * DIM, n * DIM);
        return out;
    }

    private static float[] random(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * r.nextGaussian());
        return v;
    }

    /** One update from a batch of the current policy, with arbitrary fixed critic and value scores. */
    private static void update(PolicyLearner p, float[] states, int n) {
        p.add(states, n);
        PolicyLearner.ScoreRequest r = p.scoreRequest();
        p.apply(r, random(r.criticRows(), 7, 1), random(r.valueRows(), 8, 1));
    }

    /** log N(xNext; a x + b eps(x, tau), s^2 I) summed over dimensions, up to the constant both versions share. */
    private static double logDensity(Network net, float[] x, float[] xNext, int step) {
        INDArray in = Nd4j.create(x, new long[]{1, DIM}, DataType.FLOAT);
        double[] eps = net.forward(in, new float[]{(float) SAMPLER.tau(step)}).dup().data().asDouble();
        double sq = 0;
        for (int d = 0; d < DIM; d++) {
            double mean = SAMPLER.a(step) * x[d] + SAMPLER.b(step) * eps[d];
            sq += (xNext[d] - mean) * (xNext[d] - mean);
        }
        return -sq / (2 * SAMPLER.s(step) * SAMPLER.s(step));
    }

    @Test
    void batchesOfTheCurrentPolicyAreLeftAlone() {
        Network start = net(1);
        PolicyLearner plain = learner(start, 3, 0), corrected = learner(start, 3, 2.0);
        for (int u = 0; u < 3; u++) {
            float[] s = states(start, 40, 10 + u);
            update(plain, s, 40);
            update(corrected, s, 40);
        }
        assertArrayEquals(plain.weights(), corrected.weights(), "the same updates to the bit");
    }

    @Test
    void weightsAreTheTruncatedRatioOfTheCurrentToTheOlderPolicysDensity() {
        Network start = net(2);
        float[] old = states(start, 40, 3);
        double[] ratios = null;
        for (double clip : new double[]{1e9, 1.0}) {
            PolicyLearner p = learner(start, 1, clip);
            update(p, states(start, 40, 4), 40); // version 0 -> 1
            p.add(old, 40, 0); // made by version 0, arriving one update late
            PolicyLearner.Minibatch mb = p.drawMinibatches().get(0);
            float[] w = p.importanceWeights(mb);
            double[] want = new double[mb.n()];
            int moved = 0, truncated = 0;
            for (int q = 0; q < mb.n(); q++) {
                float[] x = Arrays.copyOfRange(mb.x(), q * DIM, q * DIM + DIM), next = Arrays.copyOfRange(mb.xNext(), q * DIM, q * DIM + DIM);
                double ratio = ratios != null ? ratios[q]
                        : Math.exp(logDensity(p.network(), x, next, mb.steps()[q]) - logDensity(start, x, next, mb.steps()[q]));
                want[q] = ratio;
                assertEquals(Math.min(ratio, clip), w[q], 2e-3 * Math.min(ratio, clip), "row " + q + " at step " + mb.steps()[q]);
                if (Math.abs(ratio - 1) > 0.01) moved++;
                if (ratio > clip) truncated++;
            }
            assertTrue(moved > mb.n() / 4, "the update moved the policy enough to matter: " + moved + " of " + mb.n());
            if (clip == 1.0) assertTrue(truncated > 0 && truncated < mb.n(), "some rows truncated: " + truncated);
            ratios = want;
        }
    }

    /** The weight multiplies the row's advantage: the same step as an uncorrected learner given w * (f - V). */
    @Test
    void theWeightScalesEachTransitionsAdvantage() {
        Network start = net(3);
        PolicyLearner corrected = learner(start, 1, 1.5), plain = learner(start, 1, 0);
        float[] first = states(start, 48, 5), late = states(start, 48, 6);
        update(corrected, first, 48);
        update(plain, first, 48);
        assertArrayEquals(plain.weights(), corrected.weights());
        corrected.add(late, 48, 0);
        plain.add(late, 48);
        PolicyLearner.ScoreRequest rc = corrected.scoreRequest(), rp = plain.scoreRequest();
        float f = 0.7f;
        float[] critic = new float[rc.criticRows()];
        Arrays.fill(critic, f); // every final scores f, so the advantage of row q is f - V[q]
        float[] value = random(rc.valueRows(), 9, 1);
        float[] w = corrected.importanceWeights(rc.minibatches().get(0));
        float[] scaled = new float[value.length];
        for (int q = 0; q < value.length; q++) scaled[q] = f - w[q] * (f - value[q]);
        PolicyLearner.Update u = corrected.apply(rc, critic, value);
        plain.apply(rp, critic, scaled);
        assertArrayEquals(plain.weights(), corrected.weights(), 1e-6f);
        assertEquals(48, u.importance().lagged());
        assertTrue(u.importance().truncated() > 0 && u.importance().unknown() == 0, u.importance().toString());
    }

    @Test
    void aRestoredLearnerWeightsTheSameAndAnUnknownVersionIsLeftUncorrected() {
        Network start = net(4);
        PolicyLearner p = learner(start, 1, 1e9);
        update(p, states(start, 40, 7), 40);
        p.add(states(start, 40, 8), 40, 0);
        PolicyLearner restored = learner(start, 1, 1e9);
        restored.network().parameters().copyFrom(p.network().parameters());
        restored.restoreBehaviour(p.behaviourWeights());
        restored.restore(p.version(), p.bufferedStates(), p.bufferedBatches(), p.bufferedMadeBy());
        assertEquals(List.of(0L), List.copyOf(restored.behaviourWeights().keySet()));
        PolicyLearner.Minibatch mb = p.drawMinibatches().get(0);
        assertArrayEquals(p.importanceWeights(mb), restored.importanceWeights(restored.drawMinibatches().get(0)));

        PolicyLearner forgetful = learner(start, 1, 1e9);
        forgetful.network().parameters().copyFrom(p.network().parameters());
        forgetful.restoreBehaviour(Map.of()); // a checkpoint that kept no older weights
        forgetful.restore(p.version(), p.bufferedStates(), p.bufferedBatches(), p.bufferedMadeBy());
        float[] w = forgetful.importanceWeights(forgetful.drawMinibatches().get(0));
        for (float v : w) assertTrue(Float.isNaN(v), "no weights kept for version 0: marked unknown");
    }
}
