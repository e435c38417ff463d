package dev.sftpg.io;

import dev.sftpg.data.Samples;

import java.io.IOException;
import java.nio.file.Path;

/** How a task draws its samples: a scatter plot over the data for points, a grid beside real images for images. */
public interface SampleRenderer {

    /** Writes a PNG of {@code samples} with {@code data} for comparison (may be null), atomically. */
    void writePng(Path out, Samples samples, Samples data, String title) throws IOException;

    /** Scatter of the first two coordinates over the data. */
    SampleRenderer SCATTER = (out, samples, data, title) -> ScatterPlot.writePng(out, samples, data, title, 600);

    /** A grid of the first images beside real ones. */
    SampleRenderer IMAGE_GRID = (out, samples, data, title) -> ImageGrid.writePng(out, samples, data, title, 480);
}
