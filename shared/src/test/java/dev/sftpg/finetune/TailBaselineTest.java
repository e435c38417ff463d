package dev.sftpg.finetune;

import dev.sftpg.data.SampleShape;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.Trajectory;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.sampler.TransitionLogProb;
import dev.sftpg.train.Diffusion;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The continuation baseline of the near-deterministic tail steps (finetune.tailBaselineStd). */
class TailBaselineTest {
    // the default preset's sampler: FastDPM VAR, 10 steps, whose last two stds are 0.00996 and 0.001
    private static final Config CONFIG = ConfigLoader.load("swissroll", List.of("model.hidden=16", "model.layers=2"), Map.of());
    private static final Diffusion DIFFUSION = new Diffusion(CONFIG);
    private static final SamplerRecord SAMPLER = DIFFUSION.policySampler();

    private static PolicyLearner learner(Network net, double tailStd, int minibatch) {
        PolicyLearner p = new PolicyLearner(net, SAMPLER, LogProbReduction.SUM, 1e-4, 0, minibatch, 1, 5);
        p.tailBaseline(tailStd);
        return p;
    }

    private static float[] states(Network net, int n, long seed) {
        Trajectory t = TrajectorySampler.sample(net, SAMPLER, n, seed, true);
        float[] out = new float[(SAMPLER.steps() + 1) * n * 2];
        for (int i = 0; i <= SAMPLER.steps(); i++)
            System.arraycopy(t.states()[i].dup().data().asFloat(), 0, out, i * n * 2, n * 2);
        return out;
    }

    @Test
    void theTailStartsWhereEveryRemainingStdIsSmall() {
        Network net = DIFFUSION.epsilonSpec(SampleShape.vector(2)).build(1);
        assertEquals(0.00996, SAMPLER.s(8), 1e-4);
        assertEquals(0.0937, SAMPLER.s(7), 1e-3);
        assertEquals(10, learner(net, 0, 8).tailFrom(), "0: V everywhere");
        assertEquals(8, learner(net, 0.05, 8).tailFrom());
        assertEquals(7, learner(net, 0.095, 8).tailFrom());
        assertEquals(0, learner(net, 10, 8).tailFrom(), "every std below: the whole chain");
        assertThrows(IllegalArgumentException.class, () -> learner(net, -1, 8));
        assertEquals(8, new SftPgSetup(ConfigLoader.load("swissroll", List.of("finetune.tailBaselineStd=0.05"), Map.of()), SampleShape.vector(2))
                .policy(net).tailFrom(), "the setup passes the configured threshold on");
    }

    @Test
    void tailContinuationsAreTheNoiseFreeChainOfEachTailRow() {
        Network net = DIFFUSION.epsilonSpec(SampleShape.vector(2)).build(2);
        PolicyLearner p = learner(net, 0.095, 200);
        p.add(states(net, 40, 3), 40);
        PolicyLearner.Minibatch mb = p.drawMinibatches().get(0);
        float[] cont = p.tailContinuations(mb);
        int j = 0;
        for (int q = 0; q < mb.n(); q++) {
            if (mb.steps()[q] < 7) continue;
            INDArray x = Nd4j.create(Arrays.copyOfRange(mb.x(), 2 * q, 2 * q + 2), new long[]{1, 2}, DataType.FLOAT);
            for (int k = mb.steps()[q]; k < SAMPLER.steps(); k++) {
                INDArray eps = net.forward(x, new float[]{(float) SAMPLER.tau(k)});
                x = x.mul(SAMPLER.a(k)).add(eps.mul(SAMPLER.b(k)));
            }
            assertArrayEquals(x.dup().data().asFloat(), Arrays.copyOfRange(cont, 2 * j, 2 * j + 2), 1e-5f, "row " + q);
            j++;
        }
        assertTrue(j > 40, "tail rows drawn: " + j);
        assertEquals(2 * j, cont.length);
        assertEquals(0, learner(net, 0, 200).tailContinuations(mb).length, "no tail, no continuations");
    }

    @Test
    void tailRowsTakeTheirContinuationScoreAsBaseline() {
        Network net = DIFFUSION.epsilonSpec(SampleShape.vector(2)).build(4);
        PolicyLearner p = learner(net, 0.05, 100);
        p.add(states(net, 20, 6), 20);
        List<PolicyLearner.Minibatch> mbs = p.drawMinibatches();
        PolicyLearner.Minibatch mb = mbs.get(0);
        int tail = p.tailContinuations(mb).length / 2;
        float[] f = new float[mb.n()], v = new float[mb.n()], t = new float[tail];
        Arrays.fill(f, 1f);
        Arrays.fill(t, 1f); // tail baseline = f: zero advantage there; V = 0 elsewhere: advantage 1
        assertThrows(IllegalArgumentException.class, () -> p.apply(mbs, List.of(f), List.of(v), List.of(new float[tail + 1])));
        PolicyLearner.Update u = p.apply(mbs, List.of(f), List.of(v), List.of(t));
        assertEquals(1.0 - tail / (double) mb.n(), u.advantageMean(), 1e-9);
        assertTrue(tail > 5, "tail rows: " + tail);
    }

    /** On the near-deterministic steps the continuation's f removes almost all of the gradient's variance. */
    @Test
    void theContinuationBaselineCutsTheTailsVariance() {
        Network net = DIFFUSION.epsilonSpec(SampleShape.vector(2)).build(7);
        int n = 4000, chunk = 100, chunks = n / chunk;
        PolicyLearner p = learner(net, 0.05, n * 10);
        p.add(states(net, n, 8), n);
        PolicyLearner.Minibatch all = p.drawMinibatches().get(0);
        int[] rows = java.util.stream.IntStream.range(0, all.n()).filter(q -> all.steps()[q] >= 8).toArray();
        float[] cont = p.tailContinuations(all);
        double meanCost = Arrays.stream(rows).mapToDouble(q -> cost(all.finals(), q)).average().orElseThrow();
        double[][] gConst = new double[chunks][], gCont = new double[chunks][];
        for (int c = 0; c < chunks; c++) {
            int[] sub = Arrays.copyOfRange(rows, c * chunk, (c + 1) * chunk);
            float[] x = new float[2 * chunk], xNext = new float[2 * chunk], aConst = new float[chunk], aCont = new float[chunk];
            int[] steps = new int[chunk];
            for (int k = 0; k < chunk; k++) {
                int q = sub[k], j = Arrays.binarySearch(rows, q);
                System.arraycopy(all.x(), 2 * q, x, 2 * k, 2);
                System.arraycopy(all.xNext(), 2 * q, xNext, 2 * k, 2);
                steps[k] = all.steps()[q];
                aConst[k] = (float) (cost(all.finals(), q) - meanCost);
                aCont[k] = (float) (cost(all.finals(), q) - cost(cont, j));
            }
            gConst[c] = gradient(net, x, xNext, steps, aConst);
            gCont[c] = gradient(net, x, xNext, steps, aCont);
        }
        double varConst = totalVariance(gConst), varCont = totalVariance(gCont);
        assertTrue(varCont < varConst / 100, "variance with the continuation " + varCont + " vs a constant baseline " + varConst);
    }

    /**
     * A baseline of the state alone adds nothing to the gradient in expectation; with antithetic successors
     * (mean + s z and mean - s z from the same state) it adds exactly nothing, which a baseline that peeks at the
     * successor would not. The last step, whose successor is the final sample, with f(x) = sin(3 x) + y^2.
     */
    @Test
    void theContinuationDependsOnTheStateAloneSoTheGradientIsUnbiased() {
        Network net = DIFFUSION.epsilonSpec(SampleShape.vector(2)).build(9);
        int pairs = 300, last = SAMPLER.steps() - 1;
        PolicyLearner p = learner(net, 0.05, 10);
        INDArray x = TrajectorySampler.sample(net, SAMPLER, pairs, 10, true).states()[last];
        float[] tau = new float[pairs];
        Arrays.fill(tau, (float) SAMPLER.tau(last));
        INDArray mean = x.mul(SAMPLER.a(last)).add(net.forward(x, tau).mul(SAMPLER.b(last)));
        INDArray noise = Nd4j.randn(DataType.FLOAT, pairs, 2).muli(SAMPLER.s(last));
        float[] xs = Nd4j.concat(0, x, x).dup().data().asFloat();
        float[] next = Nd4j.concat(0, mean.add(noise), mean.sub(noise)).dup().data().asFloat();
        int[] steps = new int[2 * pairs];
        Arrays.fill(steps, last);
        PolicyLearner.Minibatch mb = new PolicyLearner.Minibatch(2 * pairs, xs, next, next, steps);
        float[] cont = p.tailContinuations(mb);
        float[] plain = new float[2 * pairs], withBaseline = new float[2 * pairs], peeking = new float[2 * pairs];
        for (int q = 0; q < 2 * pairs; q++) {
            plain[q] = (float) cost(next, q);
            withBaseline[q] = (float) (cost(next, q) - cost(cont, q));
            peeking[q] = 0; // a baseline that reads the successor, f(x0) itself, cancels every advantage
        }
        double[] g = gradient(net, xs, next, steps, plain), gb = gradient(net, xs, next, steps, withBaseline),
                gp = gradient(net, xs, next, steps, peeking);
        assertTrue(distance(g, gb) < 1e-2 * norm(g), "state-only baseline moved the gradient by " + distance(g, gb)
                + " of " + norm(g));
        assertTrue(distance(g, gp) > 0.5 * norm(g), "a baseline that reads the successor does change it");
    }

    private static double norm(double[] a) {
        return Math.sqrt(Arrays.stream(a).map(v -> v * v).sum());
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.sqrt(s);
    }

    private static double cost(float[] points, int row) {
        return Math.sin(3 * points[2 * row]) + points[2 * row + 1] * points[2 * row + 1];
    }

    private static double[] gradient(Network net, float[] x, float[] xNext, int[] steps, float[] adv) {
        net.parameters().zeroGrads();
        int n = steps.length;
        TransitionLogProb.policyGradient(net, SAMPLER, Nd4j.create(x, new long[]{n, 2}, DataType.FLOAT),
                Nd4j.create(xNext, new long[]{n, 2}, DataType.FLOAT), steps, adv, LogProbReduction.SUM);
        return net.parameters().flatGrads().dup().data().asDouble();
    }

    /** The trace of the sample covariance of the rows. */
    private static double totalVariance(double[][] g) {
        double total = 0;
        for (int i = 0; i < g[0].length; i++) {
            double m = 0, sq = 0;
            for (double[] r : g) m += r[i] / g.length;
            for (double[] r : g) sq += (r[i] - m) * (r[i] - m);
            total += sq / (g.length - 1);
        }
        return total;
    }
}
