package dev.sftpg.train;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.DataSource;
import dev.sftpg.data.Samples;
import dev.sftpg.io.ProgressBar;
import dev.sftpg.metrics.MeanStd;
import dev.sftpg.metrics.MetricSuite;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.Sampler;
import dev.sftpg.task.Task;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares samplers on one network with the task's metrics: per seed, n generated samples against an evaluation draw
 * of n samples (and a second, independent draw of the training distribution for ratios such as sharpness); mean and
 * std over seeds. A metric may hold a fixed reference instead of the draw: FID scores against the whole test set. The "data" row scores a draw of the training distribution the same way: the floor no sampler can
 * beat. Evaluation draws never come from a file's training rows, so a model that memorised them gains nothing.
 */
public final class Evaluator {

    /** Figures for one sampler: every metric of the suite, in its order, as mean and std over seeds. */
    public record SamplerScore(String name, int nfe, Map<String, MeanStd> metrics, String primary, double seconds) {

        public MeanStd metric(String metric) {
            MeanStd m = metrics.get(metric);
            if (m == null) throw new IllegalArgumentException("no metric " + metric + " in " + metrics.keySet());
            return m;
        }

        /** The primary metric: the one a run's curve draws and its best checkpoint is picked by. */
        public MeanStd primaryScore() {
            return metric(primary);
        }

        public MeanStd swd() {
            return metric("swd");
        }

        public MeanStd mmd() {
            return metric("mmd");
        }

        public MeanStd sharpness() {
            return metric("sharpness");
        }
    }

    private final DataSource source;
    private final MetricSuite suite;
    private final int n;
    private final int seeds;
    private final int batch;

    /** n samples x seeds of {@code task}'s data with its metrics, sampling in batches of eval.batch. */
    public static Evaluator of(Config config, Task task, int n, int seeds) {
        return new Evaluator(task.data(), task.metrics(), n, seeds, Math.min(n, config.get(ConfigSchema.EVAL_BATCH)));
    }

    public Evaluator(DataSource source, MetricSuite suite, int n, int seeds, int batch) {
        this.source = source;
        this.suite = suite;
        this.n = n;
        this.seeds = seeds;
        this.batch = batch;
    }

    public MetricSuite suite() {
        return suite;
    }

    /** The reference draw of seed s: evaluation data. Seeds are far from those of sampling so the two never coincide. */
    private Samples reference(int seed) {
        return source.evaluationSample(n, 1_000_003L + seed);
    }

    /** Draw {@code which} (1: the fresh draw of ratios, 2: the floor's stand-in for samples) of the training distribution. */
    private Samples trainingDraw(int seed, int which) {
        return source.sample(n, 1_000_003L * (which + 1) + seed);
    }

    /** Scores {@code sampler} on {@code net} under {@code name}; its NFE is the sampler's. */
    public SamplerScore score(String name, Network net, Sampler sampler, PrintStream log) {
        long start = System.nanoTime();
        double[][] values = new double[suite.metrics().size()][seeds];
        ProgressBar bar = log == null ? null : new ProgressBar("eval " + name, seeds, log);
        for (int s = 0; s < seeds; s++) {
            Samples gen = source.clipToRange(new Samples(n, source.shape(), sampler.sampleFinal(net, n, batch, 7_919L * s + 17)));
            scoreInto(gen, s, values);
            if (bar != null) bar.update(s + 1, String.format("%s %.4f", suite.primary(), values[0][s]));
        }
        SamplerScore score = summary(name, sampler.nfe(), values, start);
        if (bar != null) bar.finish(String.format("%s %.4f", suite.primary(), score.primaryScore().mean()));
        return score;
    }

    /** The data's own floor: a draw of the training distribution scored exactly like a sampler's output. */
    public SamplerScore dataFloor() {
        long start = System.nanoTime();
        double[][] values = new double[suite.metrics().size()][seeds];
        for (int s = 0; s < seeds; s++) scoreInto(trainingDraw(s, 2), s, values);
        return summary("data", 0, values, start);
    }

    private void scoreInto(Samples gen, int s, double[][] values) {
        List<Double> v = List.copyOf(suite.score(gen, reference(s), trainingDraw(s, 1), s).values());
        for (int m = 0; m < v.size(); m++) values[m][s] = v.get(m);
    }

    private SamplerScore summary(String name, int nfe, double[][] values, long startNanos) {
        Map<String, MeanStd> out = new LinkedHashMap<>();
        for (int m = 0; m < values.length; m++) out.put(suite.names().get(m), MeanStd.of(values[m]));
        return new SamplerScore(name, nfe, out, suite.primary(), (System.nanoTime() - startNanos) / 1e9);
    }
}
