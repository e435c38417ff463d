package dev.sftpg.sampler;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.ParameterStore;
import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With the Bayes-optimal noise predictor for a point mass at c, eps*(x, t) = (x - sqrt(abar_t) c) / sqrt(1 - abar_t),
 * every sampler must land on c (up to its final noise): an end-to-end check of records and the sampling loop.
 */
class OracleSamplingTest {
    private static final float[] C = {0.3f, -0.2f};

    /** The exact epsilon for a point mass; continuous times interpolate log alpha_bar between integer steps. */
    private record Oracle(NoiseSchedule schedule) implements Network {
        double alphaBarAt(double tau) {
            int lo = (int) Math.max(0, Math.min(schedule.steps() - 1, Math.floor(tau)));
            int hi = Math.min(schedule.steps() - 1, lo + 1);
            double f = Math.max(0, Math.min(1, tau - lo));
            return Math.exp((1 - f) * Math.log(schedule.alphaBar(lo)) + f * Math.log(schedule.alphaBar(hi)));
        }

        @Override
        public INDArray forward(INDArray x, float[] tau) {
            double ab = alphaBarAt(tau[0]);
            INDArray c = Nd4j.create(C, new long[]{1, 2}, DataType.FLOAT);
            return x.subRowVector(c.mul(Math.sqrt(ab))).divi(Math.sqrt(1 - ab));
        }

        @Override
        public void backward(INDArray gradOut) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ParameterStore parameters() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int inputDim() {
            return 2;
        }

        @Override
        public int outputDim() {
            return 2;
        }
    }

    private static void assertLandsOnC(Network oracle, SamplerRecord rec, double tol) {
        INDArray x = TrajectorySampler.sample(oracle, rec, 500, 3, false).last();
        INDArray mean = x.mean(0);
        assertEquals(C[0], mean.getDouble(0), tol, rec.name() + " x");
        assertEquals(C[1], mean.getDouble(1), tol, rec.name() + " y");
        double spread = x.subRowVector(mean).norm2Number().doubleValue() / Math.sqrt(500);
        assertEquals(0, spread, 3 * tol, rec.name() + " spread");
    }

    @Test
    void everySamplerLandsOnThePointMass() {
        NoiseSchedule linear = NoiseSchedule.of(BetaSchedule.LINEAR, 1000, 1e-4, 0.02);
        Oracle oracle = new Oracle(linear);
        assertLandsOnC(oracle, Ddpm.ancestral(linear, Ddpm.Variance.SMALL, 0.001), 0.01);
        assertLandsOnC(oracle, FastDpm.step(linear, 10, FastDpm.Spacing.QUADRATIC, 1.0, 0.001, "step"), 0.01);
        assertLandsOnC(oracle, FastDpm.step(linear, 10, FastDpm.Spacing.LINEAR, 0.0, 0.001, "ddim"), 0.01);
        assertLandsOnC(oracle, FastDpm.var(linear, 10, FastDpm.Spacing.QUADRATIC, 1.0, 0.001, true), 0.02);
        assertLandsOnC(oracle, FastDpm.var(linear, 10, FastDpm.Spacing.LINEAR, 1.0, 0.001, true), 0.02);
        NoiseSchedule sigmoid = NoiseSchedule.of(BetaSchedule.SIGMOID, 10, 1e-5, 1e-2);
        // the toy's 10-step chain ends with sigma = sqrt(beta_0) ~ 0.006 of noise
        assertLandsOnC(new Oracle(sigmoid), Ddpm.ancestral(sigmoid, Ddpm.Variance.LARGE, 0.001), 0.02);
    }
}
