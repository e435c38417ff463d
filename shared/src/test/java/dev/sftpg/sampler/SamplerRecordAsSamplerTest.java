package dev.sftpg.sampler;

import dev.sftpg.nn.MlpSpec;
import dev.sftpg.nn.Network;
import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A record used as a {@link Sampler} samples exactly as {@link TrajectorySampler} always did: bit for bit. */
class SamplerRecordAsSamplerTest {

    /** The chunked sampling loop as it was written before samplers shared it. */
    private static float[] chunkedAsBefore(Network net, SamplerRecord rec, int n, int batch, long seed) {
        int dim = net.inputDim();
        float[] out = new float[n * dim];
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int start = 0; start < n; start += batch) {
            int rows = Math.min(batch, n - start);
            INDArray last = TrajectorySampler.sample(net, rec, rows, seeds.nextLong(), false).last();
            System.arraycopy(last.dup().data().asFloat(), 0, out, start * dim, rows * dim);
        }
        return out;
    }

    @Test
    void recordsThroughTheInterfaceAreBitIdentical() {
        NoiseSchedule linear = NoiseSchedule.of(BetaSchedule.LINEAR, 1000, 1e-4, 0.02);
        Network net = MlpSpec.sinusoidalEpsilon(2, 32, 2, 16).build(5);
        List<SamplerRecord> records = List.of(
                Ddpm.ancestral(NoiseSchedule.of(BetaSchedule.LINEAR, 100, 1e-3, 0.05), Ddpm.Variance.SMALL, 0.001),
                FastDpm.var(linear, 10, FastDpm.Spacing.QUADRATIC, 1.0, 0.001, true),
                FastDpm.step(linear, 8, FastDpm.Spacing.QUADRATIC, 1.0, 0.001, "fastdpm-step-8"),
                FastDpm.step(linear, 10, FastDpm.Spacing.LINEAR, 0.0, 0.001, "ddim-10"));
        for (SamplerRecord rec : records) {
            Sampler sampler = rec;
            assertEquals(rec.steps(), sampler.nfe(), rec.name());
            float[] expected = chunkedAsBefore(net, rec, 300, 128, 9);
            assertArrayEquals(expected, TrajectorySampler.sampleFinal(net, rec, 300, 128, 9), rec.name());
            assertArrayEquals(expected, sampler.sampleFinal(net, 300, 128, 9), rec.name());
        }
    }
}
