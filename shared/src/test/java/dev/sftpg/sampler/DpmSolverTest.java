package dev.sftpg.sampler;

import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPM-Solver against closed forms. For data N(m, s^2 I) the exact noise predictor is known ({@link GaussianEps}) and
 * the probability-flow ODE maps a start x_T affinely to its end, so each solver's error is measured exactly: the
 * largest |sample - exact| over 256 starts of one seed (the same starting noise every sampler draws for that seed).
 * The schedule is the presets' T = 1000 linear one; the solvers run from t = 1 (step 999) to t = 1/T (step 0).
 */
class DpmSolverTest {
    private static final NoiseSchedule LINEAR = NoiseSchedule.of(BetaSchedule.LINEAR, 1000, 1e-4, 0.02);
    private static final GaussianEps NET = new GaussianEps(LINEAR, new double[]{1.5, -0.5}, 0.5);
    private static final int ROWS = 256;
    private static final long SEED = 99;
    private static final double START = LINEAR.alphaBar(999), END = LINEAR.alphaBar(0);

    private static DpmSolver single(int order, int nfe) {
        return DpmSolver.singlestep(LINEAR, order, nfe, DpmSolver.Spacing.LOG_SNR);
    }

    private static DpmSolver fixed(int order, int steps) {
        return DpmSolver.singlestepFixed(LINEAR, order, steps, DpmSolver.Spacing.LOG_SNR);
    }

    private static DpmSolver multi(int nfe) {
        return DpmSolver.multistep(LINEAR, nfe, DpmSolver.Spacing.LOG_SNR);
    }

    /** Largest |sample - exact ODE solution| from noise level alphaBarStart to alphaBarEnd (1: the data). */
    private static double error(Sampler sampler, double alphaBarStart, double alphaBarEnd) {
        float[] xT = TrajectorySampler.startingNoise(new SplittableRandom(SEED).nextLong(), ROWS, 2).data().asFloat();
        double[] start = new double[xT.length];
        for (int i = 0; i < xT.length; i++) start[i] = xT[i];
        double[] exact = NET.exact(start, alphaBarStart, alphaBarEnd);
        float[] got = sampler.sampleFinal(NET, ROWS, ROWS, SEED);
        double max = 0;
        for (int i = 0; i < exact.length; i++) max = Math.max(max, Math.abs(got[i] - exact[i]));
        return max;
    }

    private static double error(Sampler solver) {
        return error(solver, START, END);
    }

    private static void assertBelow(double bound, double value, String what) {
        assertTrue(value < bound, what + ": " + value + " not below " + bound);
    }

    private static void assertOrderAtLeast(double order, double coarse, double fine, String what) {
        double observed = Math.log(coarse / fine) / Math.log(2);
        assertTrue(observed >= order, what + ": error " + coarse + " -> " + fine + " when the step halves, order "
                + observed + " < " + order);
    }

    @Test
    void tenCallsLandNearTheExactOdeSolution() {
        // the data's std is 0.5; measured 0.063 and 0.060
        assertBelow(0.1, error(single(3, 10)), "DPM-Solver-3 at 10 NFE");
        assertBelow(0.1, error(multi(10)), "DPM-Solver++(2M) at 10 NFE");
        // DPM-Solver-2 spends 10 calls on 5 steps of h = 1.9 in lambda, where the weight e^-lambda makes its midpoint rule
        // coarse: at 10 NFE it is no better than first order here (measured 0.50), at 20 NFE it is 4x better (0.12)
        assertBelow(0.6, error(single(2, 10)), "DPM-Solver-2 at 10 NFE");
        assertBelow(0.15, error(single(2, 20)), "DPM-Solver-2 at 20 NFE");
    }

    @Test
    void errorFallsAtTheSolversOrder() {
        // each step of one order: halving h in lambda divides the error by about 2^order
        assertOrderAtLeast(0.9, error(fixed(1, 10)), error(fixed(1, 20)), "DPM-Solver-1 (DDIM)");
        assertOrderAtLeast(1.9, error(fixed(2, 10)), error(fixed(2, 20)), "DPM-Solver-2");
        assertOrderAtLeast(1.9, error(fixed(2, 20)), error(fixed(2, 40)), "DPM-Solver-2");
        assertOrderAtLeast(2.9, error(fixed(3, 10)), error(fixed(3, 20)), "DPM-Solver-3");
        assertOrderAtLeast(2.9, error(fixed(3, 20)), error(fixed(3, 40)), "DPM-Solver-3");
        // the NFE budgets, which end with lower-order steps, still fall at least at second order when doubled
        assertOrderAtLeast(1.9, error(single(2, 20)), error(single(2, 40)), "dpm-solver-2, 20 -> 40 NFE");
        assertOrderAtLeast(2.5, error(single(3, 24)), error(single(3, 48)), "dpm-solver-3, 24 -> 48 NFE");
        assertOrderAtLeast(1.9, error(multi(48)), error(multi(96)), "dpm-solver++-2m, 48 -> 96 NFE");
    }

    @Test
    void ddimAtTheSameCostIsFurtherFromTheOdeSolution() {
        double dpm3 = error(single(3, 10));
        // DDIM with eta 0 as the eval command's ddim-10 builds it, each spacing from its own first step to the data
        double linear = error(FastDpm.step(LINEAR, 10, FastDpm.Spacing.LINEAR, 0.0, 0.001, "ddim-10"), START, 1.0);
        int top = FastDpm.stepSteps(1000, 10, FastDpm.Spacing.QUADRATIC)[9];
        double quadratic = error(FastDpm.step(LINEAR, 10, FastDpm.Spacing.QUADRATIC, 0.0, 0.001, "ddim-10"),
                LINEAR.alphaBar(top), 1.0);
        // measured 0.50 and 0.28 against 0.063
        assertTrue(linear > 3 * dpm3 && quadratic > 3 * dpm3, "DDIM-10 " + linear + " / " + quadratic + ", DPM-Solver-3-10 " + dpm3);
        assertTrue(error(single(1, 10)) > 3 * dpm3, "DPM-Solver-1 (DDIM on the solver's times)");
    }

    @Test
    void firstOrderIsDdimOnTheSolversTimesFromTheSameNoise() {
        DpmSolver solver = single(1, 10);
        double[] tau = solver.tau();
        int steps = tau.length - 1;
        double[] a = new double[steps], b = new double[steps], tauIn = new double[steps];
        for (int i = 0; i < steps; i++) {
            double cur = NET.alphaBarAt(tau[i]), next = NET.alphaBarAt(tau[i + 1]);
            tauIn[i] = tau[i];
            a[i] = Math.sqrt(next / cur);
            b[i] = Math.sqrt(1 - next) - Math.sqrt(1 - cur) * a[i];
        }
        SamplerRecord ddim = new SamplerRecord("ddim-on-solver-times", tauIn, a, b, new double[steps]);
        float[] viaRecord = ddim.sampleFinal(NET, 300, 128, 7);
        float[] viaSolver = solver.sampleFinal(NET, 300, 128, 7);
        for (int i = 0; i < viaRecord.length; i++) assertEquals(viaRecord[i], viaSolver[i], 2e-5, "value " + i);
    }

    @Test
    void budgetsSplitIntoOrdersAsThePaper() {
        assertArrayEquals(new int[]{3, 3, 3, 1}, DpmSolver.singlestepOrders(3, 10));
        assertArrayEquals(new int[]{3, 3, 2, 1}, DpmSolver.singlestepOrders(3, 9));
        assertArrayEquals(new int[]{3, 3, 3, 2}, DpmSolver.singlestepOrders(3, 11));
        assertArrayEquals(new int[]{3, 3, 2}, DpmSolver.singlestepOrders(3, 8));
        assertArrayEquals(new int[]{2, 2, 2, 2, 2}, DpmSolver.singlestepOrders(2, 10));
        assertArrayEquals(new int[]{2, 2, 2, 2, 1}, DpmSolver.singlestepOrders(2, 9));
        assertArrayEquals(new int[]{1, 2, 2, 2, 2, 2, 2, 2, 2, 2}, multi(10).orders());
        assertArrayEquals(new int[]{1, 2, 2, 2, 2, 2, 2, 1}, multi(8).orders(), "below 10 steps the last is first order");
        for (int nfe = 1; nfe <= 30; nfe++) {
            for (int order = 1; order <= 3; order++) assertEquals(nfe, single(order, nfe).nfe(), "order " + order + " nfe " + nfe);
            assertEquals(nfe, multi(nfe).nfe());
        }
        assertEquals("dpm-solver-3-10", single(3, 10).name());
        assertEquals("dpm-solver++-2m-10", multi(10).name());
        assertEquals("dpm-solver-3-10-time", DpmSolver.singlestep(LINEAR, 3, 10, DpmSolver.Spacing.TIME_UNIFORM).name());
    }

    @Test
    void stepsAreUniformInLogSnrOrInTimeBetweenTheFirstAndLastDiscreteSteps() {
        DiscreteVp vp = new DiscreteVp(LINEAR);
        double[] t = single(3, 10).times();
        assertEquals(5, t.length);
        assertEquals(1.0, t[0]);
        assertEquals(1e-3, t[4], 1e-15);
        double h = (vp.lambda(t[4]) - vp.lambda(t[0])) / 4;
        for (int i = 0; i < 4; i++) assertEquals(h, vp.lambda(t[i + 1]) - vp.lambda(t[i]), 1e-9, "step " + i);
        double[] tau = single(3, 10).tau();
        assertEquals(999, tau[0], 1e-9);
        assertEquals(0, tau[4], 1e-9);
        // uniform in time: a grid of NFE intervals, at the points where each step's calls end (orders 3, 3, 3, 1)
        double[] u = DpmSolver.singlestep(LINEAR, 3, 10, DpmSolver.Spacing.TIME_UNIFORM).times();
        double dt = (1.0 - 1e-3) / 10;
        assertArrayEquals(new double[]{1.0, 1.0 - 3 * dt, 1.0 - 6 * dt, 1.0 - 9 * dt, 1e-3}, u, 1e-12);
        double[] m = DpmSolver.multistep(LINEAR, 10, DpmSolver.Spacing.TIME_UNIFORM).times();
        assertEquals(11, m.length);
        for (int i = 0; i <= 10; i++) assertEquals(1.0 - i * dt, m[i], 1e-12, "multistep time " + i);
    }

    @Test
    void discreteStepsSitAtTheirTimesAndLambdaInverts() {
        DiscreteVp vp = new DiscreteVp(LINEAR);
        for (int n : new int[]{0, 1, 17, 500, 998, 999}) {
            double t = (n + 1) / 1000.0;
            assertEquals(n, vp.tau(t), 1e-9);
            assertEquals(Math.sqrt(LINEAR.alphaBar(n)), vp.alpha(t), 1e-12, "alpha at step " + n);
            assertEquals(Math.sqrt(1 - LINEAR.alphaBar(n)), vp.sigma(t), 1e-12, "sigma at step " + n);
        }
        // between steps the network sees the noise level the test network interpolates at its time input
        for (double t = 1e-3; t <= 1.0; t += 0.0137) {
            assertEquals(NET.alphaBarAt(vp.tau(t)), vp.alpha(t) * vp.alpha(t), 1e-12, "alphaBar at t " + t);
            assertEquals(t, vp.inverseLambda(vp.lambda(t)), 1e-9, "t -> lambda -> t at " + t);
        }
        for (double l = -5.0; l <= 4.6; l += 0.37) assertEquals(l, vp.lambda(vp.inverseLambda(l)), 1e-9, "lambda " + l);
    }
}
