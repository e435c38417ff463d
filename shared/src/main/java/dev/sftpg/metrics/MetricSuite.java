package dev.sftpg.metrics;

import dev.sftpg.data.Bars;
import dev.sftpg.data.Samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics a task reports, in the order they are printed; the first is the primary one, which draws a run's curve
 * and picks its best checkpoint. All are "lower is better".
 */
public record MetricSuite(List<Metric> metrics) {

    public MetricSuite {
        if (metrics.isEmpty()) throw new IllegalArgumentException("a metric suite needs at least one metric");
        metrics = List.copyOf(metrics);
    }

    /** Samples: sliced Wasserstein distance (p = 2, {@code projections} directions), RBF MMD², sharpness ratio. */
    public static MetricSuite points(int projections) {
        return new MetricSuite(List.of(swd(projections), MMD, SHARPNESS));
    }

    /**
     * Images: the same three on pixel vectors, plus, for the synthetic bars, the share of samples that are no clean
     * bar (root-mean-square pixel distance to the nearest pattern above {@code 0.25}; real images sit near their
     * noise level, 0.05).
     */
    public static MetricSuite images(int projections, Bars bars) {
        List<Metric> m = new ArrayList<>(List.of(swd(projections), MMD, SHARPNESS));
        if (bars != null) m.add(offPattern(bars, 0.25));
        return new MetricSuite(m);
    }

    /**
     * Fashion-MNIST: {@code fid} first (the primary metric), then the sliced Wasserstein distance on pixel vectors
     * (3.5 s per 10,000-image draw). MMD² and sharpness are left out: on 784 values per image the MMD's kernel sums
     * over 2,000 points per side take 14 s per draw and barely separate draws (-0.0001 for two of the data), and the
     * sharpness's exact nearest-neighbour search takes over 10 minutes per draw.
     */
    public static MetricSuite fashionMnist(Metric fid, int projections) {
        return new MetricSuite(List.of(fid, swd(projections)));
    }

    public String primary() {
        return metrics.get(0).name();
    }

    public List<String> names() {
        return metrics.stream().map(Metric::name).toList();
    }

    /** Every metric of {@code generated}, in suite order. */
    public Map<String, Double> score(Samples generated, Samples data, Samples fresh, int seed) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Metric m : metrics) out.put(m.name(), m.score(generated, data, fresh, seed));
        return out;
    }

    static Metric swd(int projections) {
        return new Metric("swd", (g, d, f, s) -> SlicedWasserstein.distance(g, d, projections, 2.0, s));
    }

    static final Metric MMD = new Metric("mmd", (g, d, f, s) -> Mmd.rbfMedian(g, d, s));
    static final Metric SHARPNESS = new Metric("sharpness", (g, d, f, s) -> Sharpness.ratio(g, d, f));

    static Metric offPattern(Bars bars, double tolerance) {
        return new Metric("offPattern", (g, d, f, s) -> {
            int off = 0;
            for (int i = 0; i < g.n(); i++) if (!(bars.nearestPatternDistance(g, i) <= tolerance)) off++;
            return off / (double) Math.max(1, g.n());
        });
    }
}
