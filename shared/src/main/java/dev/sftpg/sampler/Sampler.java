package dev.sftpg.sampler;

import dev.sftpg.nn.Network;

/**
 * What evaluation and sampling need of a sampler: its name, its cost in network evaluations and its final samples.
 * A {@link SamplerRecord} (every stochastic sampler: DDPM, FastDPM, DDIM, the fine-tuned policy) is one, and so is a
 * {@link DpmSolver}, which cannot be a record because it evaluates the network at intermediate times or reuses earlier
 * predictions. Policy code keeps to {@link SamplerRecord}: only a record has a per-step log-density.
 */
public sealed interface Sampler permits SamplerRecord, DpmSolver {

    /** Human-readable name, e.g. {@code fastdpm-var-10} or {@code dpm-solver-3-10}. */
    String name();

    /** Network evaluations one sample costs. */
    int nfe();

    /**
     * {@code n} final samples of {@code net}'s dimension, flattened on the host, drawn in chunks of at most
     * {@code batch} rows from {@code seed}. Every sampler starts chunk k of a seed from the same Gaussian noise.
     */
    float[] sampleFinal(Network net, int n, int batch, long seed);
}
