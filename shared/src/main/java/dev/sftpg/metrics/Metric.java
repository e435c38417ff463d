package dev.sftpg.metrics;

import dev.sftpg.data.Samples;

/**
 * One figure of merit of generated samples against data, lower is better. {@code data} is an evaluation draw,
 * {@code fresh} a second independent draw of the data distribution (for ratios such as sharpness); {@code seed} makes
 * randomised metrics (projections, kernels) reproducible.
 */
public record Metric(String name, Scoring scoring) {

    @FunctionalInterface
    public interface Scoring {
        double score(Samples generated, Samples data, Samples fresh, int seed);
    }

    public double score(Samples generated, Samples data, Samples fresh, int seed) {
        return scoring.score(generated, data, fresh, seed);
    }
}
