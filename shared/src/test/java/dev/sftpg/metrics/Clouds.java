package dev.sftpg.metrics;

import dev.sftpg.data.Samples;
import java.util.SplittableRandom;

/** Small point-cloud helpers for the metric tests. */
final class Clouds {

    private Clouds() {
    }

    static Samples of(int dim, double... coords) {
        float[] v = new float[coords.length];
        for (int i = 0; i < v.length; i++) v[i] = (float) coords[i];
        return new Samples(coords.length / dim, dim, v);
    }

    static Samples shifted(Samples p, double... d) {
        float[] v = p.values().clone();
        for (int i = 0; i < p.n(); i++) for (int j = 0; j < p.dim(); j++) v[i * p.dim() + j] += (float) d[j];
        return new Samples(p.n(), p.dim(), v);
    }

    static Samples blurred(Samples p, double std, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = p.values().clone();
        for (int i = 0; i < v.length; i++) v[i] += (float) (std * rng.nextGaussian());
        return new Samples(p.n(), p.dim(), v);
    }

    static Samples gaussian(int n, int dim, double std, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n * dim];
        for (int i = 0; i < v.length; i++) v[i] = (float) (std * rng.nextGaussian());
        return new Samples(n, dim, v);
    }

    /** Best of a few timed runs, in seconds, so JIT warm-up does not count. */
    static double bestSeconds(Runnable r) {
        double best = Double.MAX_VALUE;
        for (int k = 0; k < 3; k++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
