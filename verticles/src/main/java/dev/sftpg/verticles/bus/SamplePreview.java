package dev.sftpg.verticles.bus;

import dev.sftpg.data.Samples;
import dev.sftpg.io.ImageGrid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What the dashboard draws of a batch of samples, in the form the task calls for: the first two coordinates of up to
 * 2,000 points for a scatter plot (any number of coordinates), or a PNG grid of the first 64 images, so a page never
 * receives thousands of JSON floats per image.
 */
public final class SamplePreview {
    static final int MAX_POINTS = 2000;
    static final int MAX_IMAGES = 64;

    private SamplePreview() {
    }

    /** {@code {"kind":"points","shape":[d],"xy":[x0,y0,x1,y1,...]}} or {@code {"kind":"images","shape":[c,h,w],"png":BASE64}}. */
    public static JsonObject of(Samples samples) {
        JsonArray shape = new JsonArray();
        for (int d : samples.shape().dims()) shape.add(d);
        JsonObject out = new JsonObject().put("shape", shape);
        if (samples.shape().isImage()) {
            Samples head = samples.head(Math.min(samples.n(), MAX_IMAGES));
            return out.put("kind", "images").put("png", Base64.getEncoder().encodeToString(ImageGrid.png(head, 320)));
        }
        int n = Math.min(samples.n(), MAX_POINTS), dim = samples.dim();
        List<Float> xy = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++) {
            xy.add(samples.values()[i * dim]);
            xy.add(dim > 1 ? samples.values()[i * dim + 1] : 0f);
        }
        return out.put("kind", "points").put("xy", new JsonArray(xy));
    }
}
