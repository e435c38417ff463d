package dev.sftpg.io;

import dev.sftpg.data.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ScatterPlotTest {

    @TempDir
    Path dir;

    /** Swiss-roll-like spiral, the project's canonical 2-D test shape. */
    static Samples spiral(int n, long seed, float noise) {
        Random rnd = new Random(seed);
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double t = 1.5 * Math.PI + 3 * Math.PI * rnd.nextDouble();
            v[2 * i] = (float) (t * Math.cos(t) / 20 + noise * rnd.nextGaussian());
            v[2 * i + 1] = (float) (t * Math.sin(t) / 20 + noise * rnd.nextGaussian());
        }
        return new Samples(n, 2, v);
    }

    static Samples cluster(int n, float cx, float cy) {
        float[] v = new float[2 * n];
        Random rnd = new Random(n);
        for (int i = 0; i < n; i++) {
            v[2 * i] = cx + (float) rnd.nextGaussian() * 0.05f;
            v[2 * i + 1] = cy + (float) rnd.nextGaussian() * 0.05f;
        }
        return new Samples(n, 2, v);
    }

    static boolean isBlue(int rgb) {
        int r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
        return b > r + 60 && b > g + 30;
    }

    static boolean isRed(int rgb) {
        int r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
        return r > b + 20 && r > g + 20;
    }

    /** Mean x, mean y and count of pixels matching {@code blue ? isBlue : isRed}, within the given column range. */
    static double[] centroid(BufferedImage img, boolean blue, int x0, int x1) {
        double sx = 0, sy = 0, n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = x0; x < x1; x++) {
                int rgb = img.getRGB(x, y);
                if (blue ? isBlue(rgb) : isRed(rgb)) {
                    sx += x;
                    sy += y;
                    n++;
                }
            }
        }
        return new double[]{sx / n, sy / n, n};
    }

    @Test
    void pngHasRequestedSizeAndBothCloudsInTheirColoursAndPlaces() throws IOException {
        // Samples top-right, data bottom-left: checks colours, y pointing up, and that both clouds are drawn.
        Path out = dir.resolve("plots/quadrants.png");
        ScatterPlot.writePng(out, cluster(400, 1f, 1f), cluster(400, -1f, -1f), "quadrants", 400);
        BufferedImage img = ImageIO.read(out.toFile());
        assertNotNull(img, "PNG must be readable");
        assertEquals(400, img.getWidth());
        assertEquals(400, img.getHeight());
        double[] blue = centroid(img, true, 0, 400);
        double[] red = centroid(img, false, 0, 400);
        assertTrue(blue[2] > 200, "sample pixels drawn: " + blue[2]);
        assertTrue(red[2] > 200, "data pixels drawn: " + red[2]);
        assertTrue(blue[0] > 250 && blue[1] < 170, "samples should sit top-right, at " + blue[0] + "," + blue[1]);
        assertTrue(red[0] < 200 && red[1] > 220, "data should sit bottom-left, at " + red[0] + "," + red[1]);
        assertEquals(0xFFFFFF, img.getRGB(399, 399) & 0xFFFFFF, "background is white");
        assertEquals(List.of("quadrants.png"), List.of(Files.list(out.getParent()).map(p -> p.getFileName().toString()).toArray()));
    }

    @Test
    void equalAspectKeepsACircleRound() {
        int n = 2000;
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) { // a thin circle of radius 1 next to a far point that stretches x only
            double a = 2 * Math.PI * i / n;
            v[2 * i] = (float) Math.cos(a);
            v[2 * i + 1] = (float) Math.sin(a);
        }
        v[0] = -5f; // far point on the left, so the circle sits right of the (blue-dotted) legend
        v[1] = 0f;
        BufferedImage img = ScatterPlot.render(new Samples(n, 2, v), null, null, 500);
        int minX = 500, maxX = 0, minY = 500, maxY = 0;
        for (int y = 0; y < 500; y++) for (int x = 0; x < 500; x++) {
            if (isBlue(img.getRGB(x, y)) && x > 300) { // ignore the far point and the legend
                minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
            }
        }
        assertEquals(maxX - minX, maxY - minY, 3, "circle width vs height in pixels");
    }

    @Test
    void degenerateCloudsStillRender() {
        Samples same = new Samples(3, 2, new float[]{2f, 2f, 2f, 2f, 2f, 2f});
        BufferedImage img = ScatterPlot.render(same, null, "identical", 200);
        double[] blue = centroid(img, true, 0, 200);
        assertTrue(blue[2] > 0, "the single location is drawn");
        Samples junk = new Samples(2, 2, new float[]{Float.NaN, 1f, Float.POSITIVE_INFINITY, 0f});
        assertDoesNotThrow(() -> ScatterPlot.render(junk, new Samples(0, 2, new float[0]), "nothing finite", 200));
        Samples threeD = new Samples(1, 3, new float[]{0f, 0f, 9f});
        assertTrue(centroid(ScatterPlot.render(threeD, null, "3d", 200), true, 0, 200)[2] > 0, "first two dims plotted");
        assertThrows(IllegalArgumentException.class, () -> ScatterPlot.render(new Samples(1, 1, new float[]{0}), null, "", 200));
    }

    @Test
    void gridPlacesOnePanelPerSamplerSideBySide() throws IOException {
        Path out = dir.resolve("grid.png");
        Samples data = spiral(1000, 1, 0.01f);
        ScatterPlot.writePngGrid(out, List.of(spiral(300, 2, 0.02f), spiral(300, 3, 0.1f), cluster(300, 0, 0)),
                List.of("ddpm", "ddim", "broken"), data, 240);
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(720, img.getWidth());
        assertEquals(240, img.getHeight());
        for (int k = 0; k < 3; k++) {
            assertTrue(centroid(img, true, k * 240, (k + 1) * 240)[2] > 50, "panel " + k + " has samples");
            assertTrue(centroid(img, false, k * 240, (k + 1) * 240)[2] > 50, "panel " + k + " has the data backdrop");
        }
    }

    @Test
    void headlessIsForced() {
        ScatterPlot.render(spiral(10, 1, 0), null, "x", 100);
        assertTrue(java.awt.GraphicsEnvironment.isHeadless());
    }
}
