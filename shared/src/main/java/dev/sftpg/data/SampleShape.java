package dev.sftpg.data;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The shape of one sample: {@code [2]} for a point in the plane, {@code [1, 28, 28]} for a grey image (channels,
 * height, width). A batch of n samples is {@code [n] + shape}; every layer that produces, moves, scores, stores or
 * draws samples carries this, so points and images run through one pipeline.
 */
public record SampleShape(int[] dims) {

    public SampleShape {
        if (dims == null || dims.length == 0) throw new IllegalArgumentException("a sample shape needs at least one axis");
        long size = 1;
        for (int d : dims) {
            if (d < 1) throw new IllegalArgumentException("sample shape " + Arrays.toString(dims) + " has an axis < 1");
            size *= d;
            if (size > Integer.MAX_VALUE / 2) throw new IllegalArgumentException("sample shape " + Arrays.toString(dims) + " is too large");
        }
        dims = dims.clone();
    }

    public static SampleShape of(int... dims) {
        return new SampleShape(dims);
    }

    /** A point of {@code dim} coordinates. */
    public static SampleShape vector(int dim) {
        return new SampleShape(new int[]{dim});
    }

    /** A {@code channels x height x width} image. */
    public static SampleShape image(int channels, int height, int width) {
        return new SampleShape(new int[]{channels, height, width});
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** Values per sample: the product of the axes. */
    public int size() {
        int s = 1;
        for (int d : dims) s *= d;
        return s;
    }

    /** Whether {@code other} (as a message carries it) is this shape, axis for axis: equal sizes are not enough. */
    public boolean matches(int[] other) {
        return Arrays.equals(dims, other);
    }

    /** Whether samples are images ({@code [C, H, W]}) rather than points. */
    public boolean isImage() {
        return dims.length == 3;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleShape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
