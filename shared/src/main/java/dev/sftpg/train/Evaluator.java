package dev.sftpg.train;

import dev.sftpg.data.PointSource;
import dev.sftpg.data.Points;
import dev.sftpg.io.ProgressBar;
import dev.sftpg.metrics.MeanStd;
import dev.sftpg.metrics.Mmd;
import dev.sftpg.metrics.Sharpness;
import dev.sftpg.metrics.SlicedWasserstein;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.TrajectorySampler;

import java.io.PrintStream;

/**
 * Compares samplers on one network with the brief's metrics: per seed, n generated points against a fresh data
 * draw of n points (SWD with p = 2, RBF MMD at the median bandwidth, sharpness ratio); mean and std over seeds.
 * The "data" row scores a second fresh data draw the same way: the floor no sampler can beat.
 */
public final class Evaluator {

    /** Figures for one sampler. */
    public record SamplerScore(String name, int nfe, MeanStd swd, MeanStd mmd, MeanStd sharpness, double seconds) {
    }

    private final PointSource source;
    private final int n;
    private final int seeds;
    private final int projections;
    private final int batch;

    /** n points x seeds against {@code source}, with the configuration's projections and sampling batch (eval.*). */
    public static Evaluator of(dev.sftpg.config.Config config, PointSource source, int n, int seeds) {
        return new Evaluator(source, n, seeds, config.get(dev.sftpg.config.ConfigSchema.EVAL_PROJECTIONS),
                Math.min(n, config.get(dev.sftpg.config.ConfigSchema.EVAL_BATCH)));
    }

    public Evaluator(PointSource source, int n, int seeds, int projections, int batch) {
        this.source = source;
        this.n = n;
        this.seeds = seeds;
        this.projections = projections;
        this.batch = batch;
    }

    /** Seeds for data draws are far from those of sampling so the two never coincide. */
    private Points dataDraw(int seed, int which) {
        return source.sample(n, 1_000_003L * (which + 1) + seed);
    }

    public SamplerScore score(String name, Network net, SamplerRecord rec, PrintStream log) {
        long start = System.nanoTime();
        double[] swd = new double[seeds], mmd = new double[seeds], sharp = new double[seeds];
        ProgressBar bar = log == null ? null : new ProgressBar("eval " + name, seeds, log);
        for (int s = 0; s < seeds; s++) {
            Points gen = new Points(n, net.inputDim(), TrajectorySampler.sampleFinal(net, rec, n, batch, 7_919L * s + 17));
            swd[s] = scoreInto(gen, s, mmd, sharp);
            if (bar != null) bar.update(s + 1, String.format("swd %.4f", swd[s]));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (bar != null) bar.finish(String.format("swd %.4f", MeanStd.of(swd).mean()));
        return new SamplerScore(name, rec.steps(), MeanStd.of(swd), MeanStd.of(mmd), MeanStd.of(sharp), secs);
    }

    /** The data's own floor: a fresh draw scored exactly like a sampler's output. */
    public SamplerScore dataFloor() {
        long start = System.nanoTime();
        double[] swd = new double[seeds], mmd = new double[seeds], sharp = new double[seeds];
        for (int s = 0; s < seeds; s++) swd[s] = scoreInto(dataDraw(s, 2), s, mmd, sharp);
        return new SamplerScore("data", 0, MeanStd.of(swd), MeanStd.of(mmd), MeanStd.of(sharp), (System.nanoTime() - start) / 1e9);
    }

    private double scoreInto(Points gen, int s, double[] mmd, double[] sharp) {
        Points data = dataDraw(s, 0);
        mmd[s] = Mmd.rbfMedian(gen, data, s);
        sharp[s] = Sharpness.ratio(gen, data, dataDraw(s, 1));
        return SlicedWasserstein.distance(gen, data, projections, 2.0, s);
    }
}
