package dev.sftpg.metrics;

/**
 * A metric summarised over independent seeds, the way results are reported ("0.0071 &plusmn; 0.0004 over 5 seeds").
 * {@code std} is the sample standard deviation (divisor n - 1, numpy {@code ddof=1}), the unbiased-variance
 * convention for a handful of seeds; with a single value it is 0 rather than undefined, and {@code n} says so.
 */
public record MeanStd(double mean, double std, int n) {

    public static MeanStd of(double... values) {
        if (values == null || values.length == 0) throw new IllegalArgumentException("no values to summarise");
        double mean = 0;
        for (double v : values) mean += v;
        mean /= values.length;
        if (values.length == 1) return new MeanStd(mean, 0.0, 1);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        return new MeanStd(mean, Math.sqrt(ss / (values.length - 1)), values.length);
    }

    @Override
    public String toString() {
        return mean + " ± " + std + " (n=" + n + ")";
    }
}
