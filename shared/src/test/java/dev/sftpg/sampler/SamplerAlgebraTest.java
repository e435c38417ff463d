package dev.sftpg.sampler;

import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Closed-form identities the sampler records must satisfy. */
class SamplerAlgebraTest {
    private final NoiseSchedule linear = NoiseSchedule.of(BetaSchedule.LINEAR, 1000, 1e-4, 0.02);

    @Test
    void ddpmAncestralMatchesTheTextbookUpdate() {
        NoiseSchedule s = NoiseSchedule.of(BetaSchedule.SIGMOID, 10, 1e-5, 1e-2);
        SamplerRecord r = Ddpm.ancestral(s, Ddpm.Variance.LARGE, 0.001);
        assertEquals(10, r.steps());
        for (int i = 0; i < 10; i++) {
            int t = 9 - i;
            assertEquals(t, r.tau(i));
            assertEquals(1 / Math.sqrt(1 - s.beta(t)), r.a(i), 1e-12);
            assertEquals(-(s.beta(t) / Math.sqrt(1 - s.alphaBar(t))) / Math.sqrt(1 - s.beta(t)), r.b(i), 1e-12);
            assertEquals(Math.sqrt(s.beta(t)), r.s(i), 1e-12);
        }
        SamplerRecord small = Ddpm.ancestral(s, Ddpm.Variance.SMALL, 0.001);
        assertEquals(0.001, small.s(9));
        assertEquals(Math.sqrt(s.betaTilde(5)), small.s(4), 1e-12);
    }

    @Test
    void stepWithKappaOneOnEveryStepIsAncestralDdpmWithPosteriorVariance() {
        // Taking all T steps, STEP with kappa = 1 reduces to DDPM with the posterior ("small") variance.
        NoiseSchedule s = NoiseSchedule.of(BetaSchedule.LINEAR, 20, 1e-3, 0.2);
        SamplerRecord step = FastDpm.step(s, 20, FastDpm.Spacing.LINEAR, 1.0, 0.001, "step");
        SamplerRecord ddpm = Ddpm.ancestral(s, Ddpm.Variance.SMALL, 0.001);
        for (int i = 0; i < 20; i++) {
            assertEquals(ddpm.tau(i), step.tau(i));
            assertEquals(ddpm.a(i), step.a(i), 1e-9, "a" + i);
            assertEquals(ddpm.b(i), step.b(i), 1e-9, "b" + i);
            assertEquals(ddpm.s(i), step.s(i), 1e-9, "s" + i);
        }
    }

    @Test
    void ddimWithEtaZeroIsDeterministicAndPreservesTheSignalPath() {
        SamplerRecord ddim = FastDpm.step(linear, 10, FastDpm.Spacing.QUADRATIC, 0.0, 0.001, "ddim-10");
        assertFalse(ddim.isStochastic());
        assertThrows(IllegalArgumentException.class, ddim::requireStochastic);
        // With eps equal to the true noise of x = sqrt(abar) x0 + sqrt(1-abar) eps, DDIM lands exactly on x0.
        double x0 = 0.37, eps = -1.3;
        int tFirst = (int) ddim.tau(0);
        double x = Math.sqrt(linear.alphaBar(tFirst)) * x0 + Math.sqrt(1 - linear.alphaBar(tFirst)) * eps;
        for (int i = 0; i < ddim.steps(); i++) x = ddim.a(i) * x + ddim.b(i) * eps;
        assertEquals(x0, x, 1e-9);
    }

    @Test
    void stepSpacingMatchesReference() {
        assertArrayEquals(new int[]{0, 111, 222, 333, 444, 555, 666, 777, 888, 999}, FastDpm.stepSteps(1000, 10, FastDpm.Spacing.LINEAR));
        int[] q = FastDpm.stepSteps(1000, 10, FastDpm.Spacing.QUADRATIC);
        assertEquals(0, q[0]);
        assertEquals(800, q[9]); // (sqrt(800))^2 floors to 799 or 800 depending on rounding
    }

    @Test
    void varWithGeneralScheduleInterpolatesLogAlphaBar() {
        NoiseSchedule quad = NoiseSchedule.of(BetaSchedule.QUADRATIC, 1000, 1e-4, 0.02);
        SamplerRecord r = FastDpm.var(quad, 10, FastDpm.Spacing.QUADRATIC, 1.0, 0.001, false);
        double[] tau = r.tau();
        for (int i = 1; i < tau.length; i++) assertTrue(tau[i] < tau[i - 1], "continuous steps must decrease");
        assertTrue(tau[0] > 0 && tau[0] < 1000);
    }

    @Test
    void badArgumentsAreRefusedWithAReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FastDpm.step(linear, 10, FastDpm.Spacing.LINEAR, 1.5, 0.001, "x"));
        assertTrue(e.getMessage().contains("kappa"));
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(new double[]{0.1, 1.2}));
        assertThrows(IllegalArgumentException.class, () -> BetaSchedule.parse("cosine"));
    }
}
