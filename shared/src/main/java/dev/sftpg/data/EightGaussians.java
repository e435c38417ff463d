package dev.sftpg.data;

import java.util.SplittableRandom;

/**
 * Eight equally weighted isotropic Gaussians centred on a circle at angles k&middot;&pi;/4, k = 0..7: the standard
 * mode-collapse probe, since a sampler that drops a mode shows up directly in per-mode counts.
 *
 * <p>Defaults: {@code radius = 1.0} and {@code std = 0.05}, so neighbouring modes (0.77 apart) are separated by
 * more than 15 standard deviations and nearest-centre assignment is unambiguous, while the cloud keeps the same
 * unit-ish scale as the swiss roll and moons.
 */
public final class EightGaussians implements DataSource {

    public static final double DEFAULT_RADIUS = 1.0;
    public static final double DEFAULT_STD = 0.05;
    public static final int MODES = 8;

    private final double radius;
    private final double std;

    public EightGaussians() {
        this(DEFAULT_RADIUS, DEFAULT_STD);
    }

    public EightGaussians(double radius, double std) {
        this.radius = Generators.requireParameter(radius, true, "8gaussians radius");
        this.std = Generators.requireParameter(std, false, "8gaussians std");
    }

    public double radius() {
        return radius;
    }

    public double std() {
        return std;
    }

    /** Centre of mode {@code k} as {x, y}. */
    public double[] centre(int k) {
        double a = k * Math.PI / 4;
        return new double[] {radius * Math.cos(a), radius * Math.sin(a)};
    }

    @Override
    public String name() {
        return "8gaussians";
    }

    @Override
    public SampleShape shape() {
        return SampleShape.vector(2);
    }

    @Override
    public Samples sample(int n, long seed) {
        Generators.requireCount(n);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double a = rng.nextInt(MODES) * Math.PI / 4;
            v[2 * i] = (float) (radius * Math.cos(a) + std * rng.nextGaussian());
            v[2 * i + 1] = (float) (radius * Math.sin(a) + std * rng.nextGaussian());
        }
        return new Samples(n, 2, v);
    }

    @Override
    public String toString() {
        return "8gaussians(radius=" + radius + ", std=" + std + ")";
    }
}
