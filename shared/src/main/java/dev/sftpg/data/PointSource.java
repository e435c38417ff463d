package dev.sftpg.data;

/**
 * Anything that can hand out a point cloud on demand: the toy distributions and user CSV files alike, so training
 * and evaluation code never needs to know where its data came from.
 *
 * <p>Implementations must be reproducible: the same {@code (n, seed)} gives bit-identical points, which is what lets a
 * run be re-evaluated or resumed with the same "fresh" reference draws.
 */
public interface PointSource {

    /** The name the source is selected by in configuration (see {@link PointSources#create}). */
    String name();

    /** Number of coordinates per point. */
    int dim();

    /** Draws {@code n >= 0} points; the same seed always gives the same points. */
    Points sample(int n, long seed);
}
