package dev.sftpg.nn.conv;

import dev.sftpg.nn.NetworkSpec;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;

/**
 * The architecture of a {@link ConvCritic}, the image reference's discriminator: one 4x4 stride-2 convolution
 * (padding 1) with LeakyReLU 0.2 per entry of {@code widths}, each halving the sides (rounding down), then a 4x4
 * stride-1 convolution without padding to one channel (a smaller square kernel when fewer than 4 pixels remain)
 * whose map is averaged. On 28x28 images, widths 64,128 give 14x14, 7x7 and a 4x4 map.
 */
public record ConvCriticSpec(int channels, int height, int width, int[] widths) implements NetworkSpec {

    static final int KERNEL = 4;

    public ConvCriticSpec {
        if (channels < 1 || height < 1 || width < 1) throw new IllegalArgumentException("image sizes must be positive");
        if (widths.length < 1) throw new IllegalArgumentException("a convolutional critic needs at least one strided layer");
        for (int w : widths) if (w < 1) throw new IllegalArgumentException("critic widths must be positive, got " + Arrays.toString(widths));
        widths = widths.clone();
        if ((height >> widths.length) < 1 || (width >> widths.length) < 1)
            throw new IllegalArgumentException("a critic with " + widths.length + " stride-2 layers halves a " + height + "x" + width
                    + " image to nothing; give critic.widths at most " + (31 - Integer.numberOfLeadingZeros(Math.min(height, width)))
                    + " entries");
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    /** The side after the strided layers (each maps s to s / 2, rounding down). */
    int side(int size) {
        return size >> widths.length;
    }

    /** The last convolution's kernel: 4, or the remaining side when it is smaller. */
    int headKernel() {
        return Math.min(KERNEL, Math.min(side(height), side(width)));
    }

    @Override
    public int inputDim() {
        return channels * height * width;
    }

    @Override
    public ConvCritic build(long seed, DataType dtype) {
        return new ConvCritic(this, dtype, seed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvCriticSpec s && s.channels == channels && s.height == height && s.width == width
                && Arrays.equals(s.widths, widths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths) * 31 + channels * 7 + height * 13 + width * 17;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ConvCritic(" + channels + "x" + height + "x" + width);
        int h = height, w = width, c = channels;
        for (int out : widths) {
            h /= 2;
            w /= 2;
            b.append(String.format(", conv4x4/2 %d->%d lrelu (%dx%d)", c, out, h, w));
            c = out;
        }
        int k = headKernel();
        return b.append(String.format(", conv%dx%d %d->1 (%dx%d), mean)", k, k, c, h - k + 1, w - k + 1)).toString();
    }
}
