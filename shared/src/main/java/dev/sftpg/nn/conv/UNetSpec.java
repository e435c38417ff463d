package dev.sftpg.nn.conv;

import dev.sftpg.nn.NetworkSpec;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;

/**
 * The architecture of a {@link UNet}: image channels and size, the channel width of each resolution level
 * (one level per entry; each level after the first halves the resolution) and the size of the sinusoidal time
 * features.
 */
public record UNetSpec(int channels, int height, int width, int[] widths, int timeEmbedding) implements NetworkSpec {

    public UNetSpec {
        if (channels < 1 || height < 1 || width < 1) throw new IllegalArgumentException("image sizes must be positive");
        if (widths.length < 1) throw new IllegalArgumentException("a UNet needs at least one level");
        for (int w : widths) if (w < 1) throw new IllegalArgumentException("UNet level widths must be positive, got " + Arrays.toString(widths));
        int factor = 1 << (widths.length - 1);
        if (height % factor != 0 || width % factor != 0)
            throw new IllegalArgumentException("a " + widths.length + "-level UNet halves the image " + (widths.length - 1)
                    + " times, so its size must be divisible by " + factor + "; " + height + "x" + width + " is not");
        if (timeEmbedding < 2 || timeEmbedding % 2 != 0)
            throw new IllegalArgumentException("the time embedding size must be even and >= 2, got " + timeEmbedding);
        widths = widths.clone();
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public int sampleSize() {
        return channels * height * width;
    }

    @Override
    public int inputDim() {
        return sampleSize();
    }

    @Override
    public UNet build(long seed, DataType dtype) {
        return new UNet(this, dtype, seed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetSpec s && s.channels == channels && s.height == height && s.width == width
                && Arrays.equals(s.widths, widths) && s.timeEmbedding == timeEmbedding;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths) * 31 + channels * 7 + height * 13 + width * 17 + timeEmbedding;
    }

    @Override
    public String toString() {
        return "UNet(" + channels + "x" + height + "x" + width + ", widths " + Arrays.toString(widths) + ", time " + timeEmbedding + ")";
    }
}
