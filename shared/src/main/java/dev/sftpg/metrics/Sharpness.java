package dev.sftpg.metrics;

import dev.sftpg.data.Samples;

/**
 * How tightly samples hug the data manifold, a failure mode (blur) that distribution distances such as SWD barely
 * register on thin structures like the swiss roll. The score is the median distance from each generated point to its
 * nearest data point, divided by the same median for a fresh, independent draw of the data distribution of the same
 * size, so the finite-sample spacing of {@code data} cancels out.
 *
 * <p>Reading it: 1.0 is perfect (as sharp as real data); blurrier samples give values above 1 (a Gaussian blur of
 * std 0.05 on the swiss roll gives several times 1); values below 1 mean samples sit closer to {@code data} than
 * fresh data does, i.e. memorisation, and a generated set equal to {@code data} itself scores exactly 0. A generated
 * point with a non-finite coordinate counts as infinitely far, so a diverged sampler scores large or infinite rather
 * than failing.
 */
public final class Sharpness {

    private Sharpness() {
    }

    /** Median nearest-data distance of {@code generated} over that of {@code freshData}; 1.0 is perfect. */
    public static double ratio(Samples generated, Samples data, Samples freshData) {
        Checks.sameDim(generated, data);
        Checks.sameDim(freshData, data);
        NearestNeighbours nn = new NearestNeighbours(data);
        double reference = median(freshData, nn);
        if (!(reference > 0))
            throw new IllegalArgumentException("freshData coincides with data (median nearest distance 0): "
                    + "it must be an independent draw");
        return median(generated, nn) / reference;
    }

    /** Median over {@code query} points of the Euclidean distance to the nearest {@code reference} point. */
    public static double medianNearestDistance(Samples query, Samples reference) {
        Checks.sameDim(query, reference);
        return median(query, new NearestNeighbours(reference));
    }

    private static double median(Samples query, NearestNeighbours nn) {
        Checks.nonEmpty(query, "query cloud");
        double[] d = new double[query.n()];
        float[] v = query.values();
        int dim = query.dim();
        for (int i = 0; i < d.length; i++) {
            boolean finite = true;
            for (int j = 0; j < dim; j++) finite &= Float.isFinite(v[i * dim + j]);
            d[i] = finite ? Math.sqrt(nn.nearestSq(query, i)) : Double.POSITIVE_INFINITY;
        }
        return Checks.median(d);
    }
}
