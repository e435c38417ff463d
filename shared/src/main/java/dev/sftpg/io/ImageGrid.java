package dev.sftpg.io;

import dev.sftpg.data.Samples;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Image samples as a picture: a square grid of the first images of a batch ({@code [C, H, W]} with values in
 * [-1, 1], grey for one channel, RGB for three), scaled up by whole pixels, beside a grid of real images when given.
 * Values outside [-1, 1] are clipped, non-finite ones drawn red, so a diverged sampler is visible rather than black.
 */
public final class ImageGrid {
    private static final Color BACKGROUND = Color.WHITE;
    private static final int GAP = 2;

    private ImageGrid() {
    }

    /** Writes the grids of {@code samples} (and {@code data}, may be null) to {@code out} atomically. */
    public static void writePng(Path out, Samples samples, Samples data, String title, int sizePx) throws IOException {
        ScatterPlot.writeImage(out, render(samples, data, title, sizePx));
    }

    /** PNG bytes of the grid of {@code samples} alone, for serving over HTTP. */
    public static byte[] png(Samples samples, int sizePx) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(render(samples, null, null, sizePx), "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** One panel of up to {@code side x side} images per batch, samples left and data right, under a title line. */
    public static BufferedImage render(Samples samples, Samples data, String title, int sizePx) {
        requireImages(samples);
        if (data != null) requireImages(data);
        int panels = data == null ? 1 : 2;
        int titleH = title == null ? 0 : 22;
        int[] dims = samples.shape().dims();
        int h = dims[1], w = dims[2];
        int side = (int) Math.ceil(Math.sqrt(Math.min(samples.n(), 64)));
        int scale = Math.max(1, (sizePx / Math.max(1, side) - GAP) / Math.max(h, w));
        int panelW = side * (w * scale + GAP) + GAP, panelH = side * (h * scale + GAP) + GAP;
        BufferedImage img = new BufferedImage(panelW * panels + (panels - 1) * 8, panelH + titleH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            if (title != null) {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                ScatterPlot.drawText(g, title + (data == null ? "" : "   (right: data)"), new Font(Font.SANS_SERIF, Font.PLAIN, 13),
                        Color.DARK_GRAY, 4, 4, 0, 0);
            }
            drawPanel(img, samples, side, scale, 0, titleH);
            if (data != null) drawPanel(img, data, side, scale, panelW + 8, titleH);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void drawPanel(BufferedImage img, Samples batch, int side, int scale, int x0, int y0) {
        int[] dims = batch.shape().dims();
        int c = dims[0], h = dims[1], w = dims[2], px = h * w;
        int count = Math.min(batch.n(), side * side);
        float[] v = batch.values();
        for (int k = 0; k < count; k++) {
            int cellX = x0 + GAP + (k % side) * (w * scale + GAP), cellY = y0 + GAP + (k / side) * (h * scale + GAP);
            int base = k * c * px;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int rgb = c == 3 ? rgb(grey(v[base + y * w + x]), grey(v[base + px + y * w + x]), grey(v[base + 2 * px + y * w + x]))
                            : greyRgb(v[base + y * w + x]);
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++) img.setRGB(cellX + x * scale + dx, cellY + y * scale + dy, rgb);
                }
        }
    }

    private static int greyRgb(float value) {
        if (!Float.isFinite(value)) return 0xFF0000;
        int g = grey(value);
        return rgb(g, g, g);
    }

    private static int grey(float value) {
        if (!Float.isFinite(value)) return 0;
        double u = (Math.max(-1f, Math.min(1f, value)) + 1) / 2;
        return (int) Math.round(u * 255);
    }

    private static int rgb(int r, int g, int b) {
        return (r << 16) | (g << 8) | b;
    }

    private static void requireImages(Samples p) {
        int[] d = p.shape().dims();
        if (d.length != 3 || (d[0] != 1 && d[0] != 3))
            throw new IllegalArgumentException("an image grid needs samples of shape [1 or 3, H, W], got " + p.shape());
        if (p.n() == 0) throw new IllegalArgumentException("no images to draw");
    }
}
