package dev.sftpg.finetune;

import dev.sftpg.data.SampleShape;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.Samples;
import dev.sftpg.nn.Network;
import dev.sftpg.train.Diffusion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SftPgLoopTest {
    private static final Config CONFIG = ConfigLoader.load("swissroll-reference",
            List.of("finetune.batchSize=32", "critic.hidden=32", "value.hidden=32", "model.hidden=16", "model.layers=2"), Map.of());

    private static Network pretrained() {
        return new Diffusion(CONFIG).epsilonSpec(SampleShape.vector(2)).build(3);
    }

    @Test
    void policyUpdatesEveryNCriticBatchesAndTheCriticLearnsToSeparate() {
        Samples data = new Diffusion(CONFIG).dataSource().sample(2000, 0);
        SftPgLoop loop = new SftPgLoop(new SftPgSetup(CONFIG, SampleShape.vector(2)), pretrained(), data);
        float[] before = loop.policy().weights();
        double lastIpm = 0;
        for (int k = 1; k <= 40; k++) {
            SftPgLoop.BatchResult r = loop.step();
            assertEquals(k % 5 == 0, r.update() != null, "batch " + k);
            if (r.update() != null) {
                assertEquals(k / 5, r.update().version());
                assertEquals(32, r.update().transitions(), "nGenerator = 1 minibatch of B transitions");
                assertTrue(Double.isFinite(r.update().loss()));
            }
            lastIpm = r.critic().ipm();
        }
        // an untrained policy is far from the data, so a trained critic must tell them apart
        assertTrue(lastIpm > 0.03, "IPM estimate " + lastIpm);
        assertFalse(java.util.Arrays.equals(before, loop.policy().weights()), "policy weights moved");
    }

    @Test
    void aCosineScheduleDecaysThePolicyLearningRateAndTheUpdatesUseIt() {
        Config cosine = ConfigLoader.load("swissroll-reference", List.of("finetune.batchSize=32", "critic.hidden=32",
                "value.hidden=32", "model.hidden=16", "model.layers=2", "finetune.nCritic=1", "finetune.lrSchedule=cosine",
                "finetune.lrDecaySteps=8"), Map.of());
        SftPgSetup setup = new SftPgSetup(cosine, SampleShape.vector(2));
        assertEquals(5e-5, setup.policyLr(0), 1e-15);
        assertEquals(2.5e-5, setup.policyLr(4), 1e-15, "half way: half the rate");
        assertEquals(5e-7, setup.policyLr(8), 1e-15, "the end: a hundredth, never 0");
        assertEquals(5e-7, setup.policyLr(100), 1e-15);
        assertEquals(5e-5, new SftPgSetup(CONFIG, SampleShape.vector(2)).policyLr(1_000_000), 1e-15, "constant is constant");

        SftPgLoop loop = new SftPgLoop(setup, new Diffusion(cosine).epsilonSpec(SampleShape.vector(2)).build(3), new Diffusion(cosine).dataSource().sample(500, 0));
        for (int k = 0; k < 5; k++) {
            loop.step();
            assertEquals(setup.policyLr(k), loop.policy().optimizer().learningRate(), 1e-15, "update " + (k + 1));
        }
        loop.policy().lrScale(0.5); // after a numerical-fault rollback the schedule goes on, lowered
        loop.step();
        assertEquals(0.5 * setup.policyLr(5), loop.policy().optimizer().learningRate(), 1e-15);
    }

    /**
     * At the preset's own sizes the value and critic batches run as halves on two threads and the next rollout is drawn
     * on the second core while a batch trains, each wherever a thread is free: none of it may change a bit.
     */
    @Test
    void drawingTheNextRolloutAheadAndSplittingBatchesChangeNoBit() {
        Config full = ConfigLoader.load("swissroll-reference", List.of(), Map.of());
        Samples data = new Diffusion(full).dataSource().sample(2000, 0);
        Network pretrained = new Diffusion(full).epsilonSpec(SampleShape.vector(2)).build(3);
        SftPgLoop ahead = new SftPgLoop(new SftPgSetup(full, SampleShape.vector(2)), pretrained, data);
        System.setProperty("sftpg.rolloutAhead", "false");
        SftPgLoop inTurn;
        try {
            inTurn = new SftPgLoop(new SftPgSetup(full, SampleShape.vector(2)), pretrained, data);
        } finally {
            System.clearProperty("sftpg.rolloutAhead");
        }
        for (int k = 0; k < 12; k++) {
            SftPgLoop.BatchResult a = ahead.step(), b = inTurn.step();
            assertEquals(b.critic().ipm(), a.critic().ipm(), 0.0, "batch " + k);
            assertEquals(b.value().loss(), a.value().loss(), 0.0, "batch " + k);
        }
        assertArrayEquals(inTurn.policy().weights(), ahead.policy().weights());
        assertArrayEquals(inTurn.value().network().parameters().toFloats(), ahead.value().network().parameters().toFloats());
        assertArrayEquals(inTurn.critic().network().parameters().toFloats(), ahead.critic().network().parameters().toFloats());
    }

    @Test
    void theLoopIsDeterministicGivenItsSeeds() {
        Samples data = new Diffusion(CONFIG).dataSource().sample(500, 0);
        SftPgLoop a = new SftPgLoop(new SftPgSetup(CONFIG, SampleShape.vector(2)), pretrained(), data);
        SftPgLoop b = new SftPgLoop(new SftPgSetup(CONFIG, SampleShape.vector(2)), pretrained(), data);
        for (int k = 0; k < 10; k++) {
            a.step();
            b.step();
        }
        assertArrayEquals(a.policy().weights(), b.policy().weights());
        assertArrayEquals(a.critic().network().parameters().toFloats(), b.critic().network().parameters().toFloats());
    }

    @Test
    void valueCouplingGradientMatchesFiniteDifferencesOfTheValueLoss() {
        // d/d f_r of sum_{i,r}(V_ir - f_r)^2 / B must equal what the value learner hands the critic
        SftPgSetup setup = new SftPgSetup(CONFIG, SampleShape.vector(2));
        ValueLearner value = setup.value();
        int b = 4, s = setup.sampler().steps();
        java.util.Random rnd = new java.util.Random(1);
        float[] states = new float[(s + 1) * b * 2];
        for (int i = 0; i < states.length; i++) states[i] = (float) rnd.nextGaussian();
        float[] f = {0.3f, -0.1f, 0.7f, 0.2f};
        int[] steps = new int[s * b];
        for (int i = 0; i < s; i++) java.util.Arrays.fill(steps, i * b, (i + 1) * b, i);
        float[] v = value.predict(java.util.Arrays.copyOf(states, s * b * 2), s * b, steps);
        ValueLearner.Coupling c = value.step(states, s, b, f, 1.0);
        for (int r = 0; r < b; r++) {
            double expected = 0, loss = 0;
            for (int i = 0; i < s; i++) expected += -2 * (v[i * b + r] - f[r]) / b;
            assertEquals(expected, c.criticGradient()[r], 1e-5, "row " + r);
        }
        double loss = 0;
        for (int k = 0; k < s * b; k++) loss += Math.pow(v[k] - f[k % b], 2) / b;
        assertEquals(loss, c.loss(), 1e-4 * loss);
    }
}
