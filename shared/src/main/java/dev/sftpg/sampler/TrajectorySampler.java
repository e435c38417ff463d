package dev.sftpg.sampler;

import dev.sftpg.nn.Network;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs a {@link SamplerRecord} with a noise-prediction network: x_{i+1} = a_i x_i + b_i eps(x_i, tau_i) + s_i z.
 * Noise comes from a seeded host generator, so a seed reproduces a batch exactly on any backend.
 */
public final class TrajectorySampler {
    private TrajectorySampler() {
    }

    /**
     * Samples {@code n} points of dimension {@code dim}.
     *
     * @param keepStates keep every intermediate state (for policy-gradient rollouts) or only the final one
     */
    public static Trajectory sample(Network net, SamplerRecord rec, int n, long seed, boolean keepStates) {
        int dim = net.inputDim();
        SplittableRandom rng = new SplittableRandom(seed);
        float[] host = new float[n * dim];
        INDArray x = gaussian(rng, host, n, dim);
        INDArray noise = Nd4j.create(DataType.FLOAT, n, dim);
        INDArray scaledEps = Nd4j.create(DataType.FLOAT, n, dim);
        INDArray[] states = new INDArray[keepStates ? rec.steps() + 1 : 1];
        if (keepStates) states[0] = x.dup();
        float[] tau = new float[n];
        for (int i = 0; i < rec.steps(); i++) {
            if (fused(x)) { // the same operations in one pass
                INDArray eps = epsilon(net, rec, i, x, tau);
                if (fused(eps) && eps.length() == x.length()) {
                    float[] z = null;
                    if (rec.s(i) > 0) fillGaussian(rng, z = host);
                    dev.sftpg.nn.simd.MlpKernels.samplerStep(x, eps, (float) rec.a(i), (float) rec.b(i), z, (float) rec.s(i));
                    if (keepStates) states[i + 1] = x.dup();
                    continue;
                }
                eps.mul(rec.b(i), scaledEps);
                x.muli(rec.a(i)).addi(scaledEps);
            } else {
                toMean(net, rec, i, x, tau, scaledEps);
            }
            if (rec.s(i) > 0) {
                fillGaussian(rng, host);
                noise.assign(Nd4j.create(host, new long[]{n, dim}, DataType.FLOAT));
                x.addi(noise.muli(rec.s(i)));
            }
            if (keepStates) states[i + 1] = x.dup();
        }
        if (!keepStates) states[0] = x;
        return new Trajectory(rec, states);
    }

    /** Samples in chunks of at most {@code batch} rows (bounded memory), returning the final points on the host. */
    public static float[] sampleFinal(Network net, SamplerRecord rec, int n, int batch, long seed) {
        return inChunks(net.inputDim(), n, batch, seed, (rows, chunkSeed) -> sample(net, rec, rows, chunkSeed, false).last());
    }

    /** The final points of one chunk of {@code rows} rows, drawn from {@code seed}. */
    @FunctionalInterface
    interface Chunk {
        INDArray run(int rows, long seed);
    }

    /**
     * Runs {@code chunk} over chunks of at most {@code batch} rows, each seeded from one generator seeded with
     * {@code seed}, and gathers their final points on the host: every sampler draws its batches the same way, so one
     * seed starts them all from the same noise.
     */
    static float[] inChunks(int dim, int n, int batch, long seed, Chunk chunk) {
        float[] out = new float[n * dim];
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int start = 0; start < n; start += batch) {
            int rows = Math.min(batch, n - start);
            INDArray last = chunk.run(rows, seeds.nextLong());
            System.arraycopy(last.dup().data().asFloat(), 0, out, start * dim, rows * dim);
        }
        return out;
    }

    /** The starting noise x_0 of a chunk seeded with {@code seed}: the same rows {@link #sample} starts from. */
    static INDArray startingNoise(long seed, int n, int dim) {
        return gaussian(new SplittableRandom(seed), new float[n * dim], n, dim);
    }

    /**
     * The rest of the chain from step {@code from} without noise: each row of {@code x} (a copy is made) is moved to
     * its step's mean, step after step, to the end.
     */
    public static INDArray noiseFree(Network net, SamplerRecord rec, INDArray x, int from) {
        int n = (int) x.size(0);
        INDArray out = x.dup(), scaledEps = Nd4j.create(x.dataType(), x.shape());
        float[] tau = new float[n];
        for (int i = from; i < rec.steps(); i++) toMean(net, rec, i, out, tau, scaledEps);
        return out;
    }

    /** Whether {@link dev.sftpg.nn.simd.MlpKernels#samplerStep} can take {@code a} (float, packed, Vector API present). */
    private static boolean fused(INDArray a) {
        return dev.sftpg.nn.simd.Simd.AVAILABLE && dev.sftpg.nn.simd.FloatKernels.fits(a) && !"false".equals(System.getProperty("sftpg.fusedMlp"));
    }

    private static INDArray epsilon(Network net, SamplerRecord rec, int i, INDArray x, float[] tau) {
        Arrays.fill(tau, (float) rec.tau(i));
        return net.forward(x, tau);
    }

    /** x <- a_i x + b_i eps(x, tau_i) in place: the mean of step i (tau and scaledEps are scratch of x's rows). */
    private static void toMean(Network net, SamplerRecord rec, int i, INDArray x, float[] tau, INDArray scaledEps) {
        INDArray eps = epsilon(net, rec, i, x, tau);
        if (fused(x) && fused(eps) && x.length() == eps.length()) {
            dev.sftpg.nn.simd.MlpKernels.samplerStep(x, eps, (float) rec.a(i), (float) rec.b(i), null, 0f);
            return;
        }
        eps.mul(rec.b(i), scaledEps);
        x.muli(rec.a(i)).addi(scaledEps);
    }

    private static INDArray gaussian(SplittableRandom rng, float[] host, int n, int dim) {
        fillGaussian(rng, host);
        return Nd4j.create(host.clone(), new long[]{n, dim}, DataType.FLOAT);
    }

    private static void fillGaussian(SplittableRandom rng, float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = (float) rng.nextGaussian();
    }
}
