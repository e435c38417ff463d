package dev.sftpg.io;

import dev.sftpg.data.Samples;

import java.io.IOException;
import java.nio.file.Path;

/** How a task draws its samples: a scatter plot over the data for points, a grid beside real images for images. */
public interface SampleRenderer {

    /** Writes a PNG about {@code sizePx} wide of {@code samples} with {@code data} for comparison (may be null), atomically. */
    void writePng(Path out, Samples samples, Samples data, String title, int sizePx) throws IOException;

    /** Scatter of the first two coordinates over the data. */
    SampleRenderer SCATTER = ScatterPlot::writePng;

    /** A grid of the first images beside real ones. */
    SampleRenderer IMAGE_GRID = ImageGrid::writePng;
}
