package dev.sftpg.io;

import dev.sftpg.data.Samples;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Headless PNG scatter plots of 2-D samples over the training data, so that a run on a server (no X display, no
 * Python) still leaves a picture that shows at a glance whether a sampler reproduces the data's shape.
 *
 * <p>Only the first two coordinates are drawn. Axes have equal aspect (a circle stays a circle, so distortion
 * is the sampler's, not the plot's) and cover both clouds plus 5% margin; non-finite points are skipped and
 * counted in the legend. Text is optional: on a JRE without usable fonts the plot is drawn without labels
 * rather than failing the run.
 */
public final class ScatterPlot {

    static {
        // Must be set before AWT initialises; harmless if the caller already chose.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    static final Color BACKGROUND = Color.WHITE;
    static final Color DATA_COLOR = new Color(214, 96, 96, 80);
    static final Color SAMPLE_COLOR = new Color(30, 90, 205, 170);
    private static final Color AXIS_COLOR = new Color(60, 60, 60);
    private static final Color GRID_COLOR = new Color(235, 235, 235);
    private static final double MARGIN = 0.05;

    private static volatile boolean textBroken;

    private ScatterPlot() {
    }

    /**
     * Writes a {@code sizePx}×{@code sizePx} PNG of {@code samples} (blue) over {@code data} (light red, may be
     * null) to {@code out}, atomically.
     */
    public static void writePng(Path out, Samples samples, Samples data, String title, int sizePx) throws IOException {
        writeImage(out, render(samples, data, title, sizePx));
    }

    /**
     * Writes panels side by side ({@code panels.size() * panelPx} wide, {@code panelPx} high), e.g. one per
     * sampler, each over the same {@code data} backdrop. Each panel scales to its own cloud, so one diverging
     * sampler cannot squash the others into a dot.
     */
    public static void writePngGrid(Path out, List<Samples> panels, List<String> titles, Samples data, int panelPx)
            throws IOException {
        writeImage(out, renderGrid(panels, titles, data, panelPx));
    }

    /** The image {@link #writePng} would write, for callers that serve it from memory. */
    public static BufferedImage render(Samples samples, Samples data, String title, int sizePx) {
        checkSize(sizePx);
        BufferedImage img = new BufferedImage(sizePx, sizePx, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            drawPanel(g, samples, data, title, sizePx);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The image {@link #writePngGrid} would write. */
    public static BufferedImage renderGrid(List<Samples> panels, List<String> titles, Samples data, int panelPx) {
        checkSize(panelPx);
        if (panels.isEmpty()) throw new IllegalArgumentException("no panels to plot");
        if (titles.size() != panels.size()) {
            throw new IllegalArgumentException(panels.size() + " panels but " + titles.size() + " titles");
        }
        BufferedImage img = new BufferedImage(panelPx * panels.size(), panelPx, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            for (int k = 0; k < panels.size(); k++) {
                Graphics2D pg = (Graphics2D) g.create(k * panelPx, 0, panelPx, panelPx);
                try {
                    drawPanel(pg, panels.get(k), data, titles.get(k), panelPx);
                } finally {
                    pg.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Writes {@code img} as a PNG to {@code out} atomically. */
    static void writeImage(Path out, BufferedImage img) throws IOException {
        AtomicFiles.write(out, os -> {
            if (!ImageIO.write(img, "png", os)) throw new IOException("no PNG writer available in this JRE");
        });
    }

    private static void checkSize(int px) {
        if (px < 64 || px > 8192) throw new IllegalArgumentException("plot size must be 64..8192 px, got " + px);
    }

    private static void drawPanel(Graphics2D g, Samples samples, Samples data, String title, int size) {
        requirePlanar(samples, "samples");
        if (data != null) requirePlanar(data, "data");
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, size, size);

        // Square plot box: room on the left/bottom for tick labels, on top for the title.
        double left = size * 0.13, right = size * 0.04, top = size * 0.09, bottom = size * 0.09;
        double side = Math.min(size - left - right, size - top - bottom);
        Rectangle2D box = new Rectangle2D.Double(left, top, side, side);
        Bounds b = Bounds.of(samples, data);

        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, size / 45));
        drawTicks(g, box, b, base);
        double dotScale = Math.max(1.0, size / 500.0);
        Shape oldClip = g.getClip();
        g.clip(box);
        if (data != null) drawDots(g, box, b, data, DATA_COLOR, 1.6 * dotScale);
        drawDots(g, box, b, samples, SAMPLE_COLOR, 1.5 * dotScale);
        g.setClip(oldClip);

        g.setColor(AXIS_COLOR);
        g.setStroke(new BasicStroke((float) Math.max(1.0, size / 600.0)));
        g.draw(box);
        drawLegend(g, box, samples, data, base, dotScale);
        if (title != null && !title.isEmpty()) {
            Font tf = base.deriveFont(Font.BOLD, base.getSize2D() * 1.3f);
            drawText(g, title, tf, AXIS_COLOR, size / 2.0, top * 0.5, 0.5, 0.5);
        }
    }

    private static void requirePlanar(Samples p, String what) {
        if (p.dim() < 2) throw new IllegalArgumentException(what + " must have at least 2 dimensions to plot, got " + p.dim());
    }

    private static void drawDots(Graphics2D g, Rectangle2D box, Bounds b, Samples p, Color color, double radius) {
        g.setColor(color);
        Ellipse2D.Double dot = new Ellipse2D.Double(0, 0, 2 * radius, 2 * radius);
        float[] v = p.values();
        int dim = p.dim();
        for (int i = 0; i < p.n(); i++) {
            float x = v[i * dim], y = v[i * dim + 1];
            if (!Float.isFinite(x) || !Float.isFinite(y)) continue;
            dot.x = b.px(box, x) - radius;
            dot.y = b.py(box, y) - radius;
            g.fill(dot);
        }
    }

    private static void drawTicks(Graphics2D g, Rectangle2D box, Bounds b, Font font) {
        double step = niceStep(b.span / 5);
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        boolean sci = Math.abs(b.cx) + b.span > 1e6 || step < 1e-4;
        double tick = box.getWidth() * 0.015;
        g.setStroke(new BasicStroke(1f));
        for (int axis = 0; axis < 2; axis++) {
            double lo = axis == 0 ? b.xmin() : b.ymin();
            double hi = lo + b.span;
            for (long k = (long) Math.ceil(lo / step - 1e-9); k <= (long) Math.floor(hi / step + 1e-9); k++) {
                double v = k == 0 ? 0.0 : k * step; // integer index: no drift, no "-0.0" label
                String label = sci ? String.format(Locale.ROOT, "%.2g", v) : String.format(Locale.ROOT, "%." + decimals + "f", v);
                if (axis == 0) {
                    double x = b.px(box, v);
                    g.setColor(GRID_COLOR);
                    g.draw(new Line2D.Double(x, box.getMinY(), x, box.getMaxY()));
                    g.setColor(AXIS_COLOR);
                    g.draw(new Line2D.Double(x, box.getMaxY(), x, box.getMaxY() + tick));
                    drawText(g, label, font, AXIS_COLOR, x, box.getMaxY() + tick * 1.5, 0.5, 0.0);
                } else {
                    double y = b.py(box, v);
                    g.setColor(GRID_COLOR);
                    g.draw(new Line2D.Double(box.getMinX(), y, box.getMaxX(), y));
                    g.setColor(AXIS_COLOR);
                    g.draw(new Line2D.Double(box.getMinX() - tick, y, box.getMinX(), y));
                    drawText(g, label, font, AXIS_COLOR, box.getMinX() - tick * 1.5, y, 1.0, 0.5);
                }
            }
        }
    }

    /** A step of 1, 2 or 5 × 10^k close to {@code raw}, so tick labels are round numbers. */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
    }

    private static void drawLegend(Graphics2D g, Rectangle2D box, Samples samples, Samples data, Font base, double dotScale) {
        Font f = base.deriveFont(base.getSize2D() * 1.05f);
        String s = "samples (n=" + samples.n() + nonFiniteNote(samples) + ")";
        String d = data == null ? null : "data (n=" + data.n() + nonFiniteNote(data) + ")";
        double lineH = f.getSize2D() * 1.35;
        double pad = f.getSize2D() * 0.5;
        double x = box.getMinX() + pad, y = box.getMinY() + pad;
        double textW = Math.max(textWidth(g, s, f), d == null ? 0 : textWidth(g, d, f));
        double w = textW + lineH + 2 * pad, h = (d == null ? 1 : 2) * lineH + pad;
        g.setColor(new Color(255, 255, 255, 215));
        g.fill(new Rectangle2D.Double(x, y, w, h));
        g.setColor(GRID_COLOR.darker());
        g.draw(new Rectangle2D.Double(x, y, w, h));
        double r = Math.max(3 * dotScale, lineH * 0.22);
        legendRow(g, s, f, SAMPLE_COLOR, x + pad, y + pad * 0.5 + lineH * 0.5, r, lineH);
        if (d != null) legendRow(g, d, f, DATA_COLOR, x + pad, y + pad * 0.5 + lineH * 1.5, r, lineH);
    }

    private static void legendRow(Graphics2D g, String text, Font f, Color c, double x, double cy, double r, double lineH) {
        g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.min(255, c.getAlpha() * 2)));
        g.fill(new Ellipse2D.Double(x + lineH * 0.35 - r, cy - r, 2 * r, 2 * r));
        drawText(g, text, f, AXIS_COLOR, x + lineH * 0.85, cy, 0.0, 0.5);
    }

    private static String nonFiniteNote(Samples p) {
        int bad = 0;
        float[] v = p.values();
        for (int i = 0; i < p.n(); i++) {
            if (!Float.isFinite(v[i * p.dim()]) || !Float.isFinite(v[i * p.dim() + 1])) bad++;
        }
        return bad == 0 ? "" : ", " + bad + " non-finite not shown";
    }

    private static double textWidth(Graphics2D g, String text, Font f) {
        if (textBroken) return 0;
        try {
            return g.getFontMetrics(f).stringWidth(text);
        } catch (RuntimeException | LinkageError | InternalError e) {
            disableText(e);
            return 0;
        }
    }

    /** Draws text anchored at (x, y); {@code ax}/{@code ay} in [0,1] pick the anchor within the text's box. */
    static void drawText(Graphics2D g, String text, Font f, Color c, double x, double y, double ax, double ay) {
        if (textBroken) return;
        try {
            g.setFont(f);
            g.setColor(c);
            FontMetrics fm = g.getFontMetrics();
            double w = fm.stringWidth(text), h = fm.getAscent() + fm.getDescent();
            g.drawString(text, (float) (x - ax * w), (float) (y - ay * h + fm.getAscent()));
        } catch (RuntimeException | LinkageError | InternalError e) {
            disableText(e);
        }
    }

    /** Headless JREs without fontconfig/fonts fail on first text use; a plot without labels beats no plot. */
    private static void disableText(Throwable e) {
        if (!textBroken) {
            textBroken = true;
            System.err.println("sftpg: plot labels disabled, fonts unavailable in this JRE: " + e);
        }
    }

    /** Equal-aspect data window: a square of side {@code span} centred on ({@code cx}, {@code cy}). */
    private record Bounds(double cx, double cy, double span) {

        static Bounds of(Samples a, Samples b) {
            double[] mm = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            extend(mm, a);
            if (b != null) extend(mm, b);
            if (mm[0] > mm[1]) return new Bounds(0, 0, 2); // nothing finite: an arbitrary unit window
            double cx = (mm[0] + mm[1]) / 2, cy = (mm[2] + mm[3]) / 2;
            double span = Math.max(mm[1] - mm[0], mm[3] - mm[2]);
            double floor = Math.max(Math.abs(cx), Math.abs(cy)) * 1e-3;
            if (!(span > floor)) span = floor > 0 ? Math.max(floor, 0.2 * Math.max(Math.abs(cx), Math.abs(cy))) : 2.0;
            return new Bounds(cx, cy, span * (1 + 2 * MARGIN));
        }

        private static void extend(double[] mm, Samples p) {
            float[] v = p.values();
            for (int i = 0; i < p.n(); i++) {
                float x = v[i * p.dim()], y = v[i * p.dim() + 1];
                if (!Float.isFinite(x) || !Float.isFinite(y)) continue;
                mm[0] = Math.min(mm[0], x);
                mm[1] = Math.max(mm[1], x);
                mm[2] = Math.min(mm[2], y);
                mm[3] = Math.max(mm[3], y);
            }
        }

        double xmin() {
            return cx - span / 2;
        }

        double ymin() {
            return cy - span / 2;
        }

        double px(Rectangle2D box, double x) {
            return box.getMinX() + (x - xmin()) / span * box.getWidth();
        }

        double py(Rectangle2D box, double y) {
            return box.getMaxY() - (y - ymin()) / span * box.getHeight();
        }
    }
}
