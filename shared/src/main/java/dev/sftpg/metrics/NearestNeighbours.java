package dev.sftpg.metrics;

import dev.sftpg.data.Samples;

/**
 * Exact nearest-neighbour distances to a fixed reference cloud. In up to 3 dimensions a k-d tree (median split on
 * the widest coordinate) makes 10k queries against 10k points take milliseconds; above that, where k-d trees lose
 * their edge, it is a plain linear scan. Immutable after construction, so it can be shared between threads.
 */
final class NearestNeighbours {

    /** Dimension up to which the tree is built; above it every query scans all points. */
    static final int TREE_MAX_DIM = 3;
    private static final int LEAF = 8;

    private final int n;
    private final int dim;
    private final float[] pts; // the reference points, reordered into tree order
    private final int[] split; // coordinate split on at each internal node (indexed by its middle position)
    private final int leaf;

    NearestNeighbours(Samples reference) {
        if (reference.n() == 0) throw new IllegalArgumentException("reference cloud has no points");
        n = reference.n();
        dim = reference.dim();
        pts = reference.values().clone();
        for (float f : pts)
            if (!Float.isFinite(f)) throw new IllegalArgumentException("reference cloud has a non-finite coordinate");
        split = new int[n];
        leaf = dim <= TREE_MAX_DIM ? LEAF : Integer.MAX_VALUE;
        build(0, n);
    }

    /** Squared Euclidean distance from point {@code i} of {@code query} to its nearest reference point. */
    double nearestSq(Samples query, int i) {
        if (query.dim() != dim)
            throw new IllegalArgumentException("point clouds differ in dimension: " + query.dim() + " vs " + dim);
        return search(query.values(), i * dim, 0, n, Double.POSITIVE_INFINITY);
    }

    private double search(float[] q, int qo, int lo, int hi, double best) {
        if (hi - lo <= leaf) {
            for (int i = lo; i < hi; i++) best = Math.min(best, Mmd.sqDist(q, qo, pts, i * dim, dim));
            return best;
        }
        int mid = (lo + hi) >>> 1;
        best = Math.min(best, Mmd.sqDist(q, qo, pts, mid * dim, dim));
        int d = split[mid];
        double diff = (double) q[qo + d] - pts[mid * dim + d];
        if (diff < 0) {
            best = search(q, qo, lo, mid, best);
            if (diff * diff < best) best = search(q, qo, mid + 1, hi, best);
        } else {
            best = search(q, qo, mid + 1, hi, best);
            if (diff * diff < best) best = search(q, qo, lo, mid, best);
        }
        return best;
    }

    private void build(int lo, int hi) {
        while (hi - lo > leaf) {
            int d = widestCoordinate(lo, hi);
            int mid = (lo + hi) >>> 1;
            select(lo, hi - 1, mid, d);
            split[mid] = d;
            build(lo, mid);
            lo = mid + 1;
        }
    }

    private int widestCoordinate(int lo, int hi) {
        int best = 0;
        float bestSpread = -1;
        for (int d = 0; d < dim; d++) {
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int i = lo; i < hi; i++) {
                float v = pts[i * dim + d];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            if (max - min > bestSpread) {
                bestSpread = max - min;
                best = d;
            }
        }
        return best;
    }

    /** Wirth's selection: rows in [l, r] reordered so row k holds the k-th smallest coordinate d, smaller ones before. */
    private void select(int l, int r, int k, int d) {
        while (l < r) {
            float pivot = pts[k * dim + d];
            int i = l, j = r;
            do {
                while (pts[i * dim + d] < pivot) i++;
                while (pivot < pts[j * dim + d]) j--;
                if (i <= j) swap(i++, j--);
            } while (i <= j);
            if (j < k) l = i;
            if (k < i) r = j;
        }
    }

    private void swap(int a, int b) {
        for (int j = 0; j < dim; j++) {
            float t = pts[a * dim + j];
            pts[a * dim + j] = pts[b * dim + j];
            pts[b * dim + j] = t;
        }
    }
}
