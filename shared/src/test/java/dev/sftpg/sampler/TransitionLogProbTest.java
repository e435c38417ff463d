package dev.sftpg.sampler;

import dev.sftpg.nn.MlpSpec;
import dev.sftpg.nn.Network;
import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class TransitionLogProbTest {
    private final NoiseSchedule schedule = NoiseSchedule.of(BetaSchedule.SIGMOID, 10, 1e-5, 1e-2);
    private final SamplerRecord rec = Ddpm.ancestral(schedule, Ddpm.Variance.LARGE, 0.001);
    private final Network net = MlpSpec.referenceToyEpsilon(2, 10).build(11);

    @Test
    void logProbMatchesTheGaussianClosedForm() {
        INDArray x = Nd4j.createFromArray(new float[][]{{0.1f, -0.3f}, {0.5f, 0.2f}, {-1f, 1f}});
        INDArray xNext = Nd4j.createFromArray(new float[][]{{0.12f, -0.25f}, {0.4f, 0.3f}, {-0.9f, 1.1f}});
        int[] step = {0, 4, 9};
        INDArray eps = net.forward(x, new float[]{(float) rec.tau(0), (float) rec.tau(4), (float) rec.tau(9)}).dup();
        double[] sum = TransitionLogProb.logProb(net, rec, x, xNext, step, LogProbReduction.SUM).toDoubleVector();
        double[] mean = TransitionLogProb.logProb(net, rec, x, xNext, step, LogProbReduction.MEAN).toDoubleVector();
        for (int r = 0; r < 3; r++) {
            int i = step[r];
            double expected = 0;
            for (int d = 0; d < 2; d++) {
                double mu = rec.a(i) * x.getDouble(r, d) + rec.b(i) * eps.getDouble(r, d);
                double z = (xNext.getDouble(r, d) - mu) / rec.s(i);
                expected += -0.5 * z * z - Math.log(rec.s(i)) - 0.5 * Math.log(2 * Math.PI);
            }
            assertEquals(expected, sum[r], 1e-3 * Math.max(1, Math.abs(expected)), "row " + r);
            assertEquals(expected / 2, mean[r], 1e-3 * Math.max(1, Math.abs(expected)), "row " + r);
        }
    }

    @Test
    void sampledTransitionsHaveTheExpectedAverageLogDensity() {
        // For x_{i+1} drawn from the policy itself, E[log p] = -D/2 - D log s - D/2 log 2pi.
        SamplerRecord var = FastDpm.var(NoiseSchedule.of(BetaSchedule.LINEAR, 1000, 1e-4, 0.02), 10,
                FastDpm.Spacing.QUADRATIC, 1.0, 0.001, true);
        Network cont = MlpSpec.sinusoidalEpsilon(2, 32, 2, 16).build(3);
        Trajectory tr = TrajectorySampler.sample(cont, var, 4000, 42, true);
        assertTrue(tr.hasAllStates());
        for (int i : new int[]{0, 5, 9}) {
            int[] steps = new int[4000];
            java.util.Arrays.fill(steps, i);
            double avg = TransitionLogProb.logProb(cont, var, tr.states()[i], tr.states()[i + 1], steps, LogProbReduction.SUM)
                    .meanNumber().doubleValue();
            double expected = -1 - 2 * Math.log(var.s(i)) - Math.log(2 * Math.PI);
            assertEquals(expected, avg, 0.08, "step " + i);
        }
    }

    @Test
    void samplingIsReproducibleFromItsSeed() {
        float[] a = TrajectorySampler.sampleFinal(net, rec, 300, 128, 9);
        float[] b = TrajectorySampler.sampleFinal(net, rec, 300, 128, 9);
        float[] c = TrajectorySampler.sampleFinal(net, rec, 300, 128, 10);
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
    }

    @Test
    void deterministicSamplersHaveNoLogProb() {
        SamplerRecord ddim = FastDpm.step(schedule, 5, FastDpm.Spacing.LINEAR, 0.0, 0.001, "ddim-5");
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> TransitionLogProb.logProb(net, ddim, x, x, new int[]{0}, LogProbReduction.SUM));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(LogProbReduction.class)
    void policyGradientMatchesFiniteDifferencesOfTheSurrogate(LogProbReduction reduction) {
        // double precision so central differences are exact enough to compare tightly
        dev.sftpg.nn.ConditionalMlp policy = new dev.sftpg.nn.MlpSpec(2, 6, 2, 2, dev.sftpg.nn.Activation.SOFTPLUS,
                new dev.sftpg.nn.TimeConditioning.OneHot(10), false, false, true).build(4, DataType.DOUBLE);
        java.util.Random r = new java.util.Random(8);
        int n = 6;
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 2).subi(0.5), xNext = Nd4j.rand(DataType.DOUBLE, n, 2).subi(0.5);
        int[] step = new int[n];
        float[] adv = new float[n];
        for (int i = 0; i < n; i++) {
            step[i] = r.nextInt(10);
            adv[i] = (float) r.nextGaussian();
        }
        policy.parameters().zeroGrads();
        double loss = TransitionLogProb.policyGradient(policy, rec, x, xNext, step, adv, reduction);
        double[] analytic = policy.parameters().flatGrads().dup().data().asDouble();
        double[] logp = TransitionLogProb.logProb(policy, rec, x, xNext, step, reduction).toDoubleVector();
        double expected = 0;
        for (int i = 0; i < n; i++) expected += adv[i] * logp[i] / n;
        assertEquals(expected, loss, 1e-9 * Math.max(1, Math.abs(expected)));

        INDArray p = policy.parameters().flatParams();
        double h = 1e-6;
        for (int i = 0; i < p.length(); i += 7) {
            double orig = p.getDouble(0, i);
            p.putScalar(0, i, orig + h);
            double up = surrogate(policy, x, xNext, step, adv, reduction);
            p.putScalar(0, i, orig - h);
            double down = surrogate(policy, x, xNext, step, adv, reduction);
            p.putScalar(0, i, orig);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, analytic[i], 1e-5 + 1e-5 * Math.abs(numeric), "parameter " + i);
        }
    }

    private double surrogate(Network policy, INDArray x, INDArray xNext, int[] step, float[] adv, LogProbReduction red) {
        double[] logp = TransitionLogProb.logProb(policy, rec, x, xNext, step, red).toDoubleVector();
        double s = 0;
        for (int i = 0; i < logp.length; i++) s += adv[i] * logp[i] / logp.length;
        return s;
    }
}
