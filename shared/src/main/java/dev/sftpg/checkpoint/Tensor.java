package dev.sftpg.checkpoint;

import dev.sftpg.data.Samples;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One named float array with a shape, row-major (last index fastest), as stored in a {@link TensorFile}. Like
 * {@link Samples}, the data array is not copied: treat it as immutable once handed over. Equality compares
 * contents bit for bit, so {@code NaN}s and {@code -0.0} survive a round-trip check.
 */
public record Tensor(String name, long[] shape, float[] data) {

    /** Names longer than this many UTF-8 bytes do not fit the format's int16 length field. */
    public static final int MAX_NAME_BYTES = Short.MAX_VALUE;

    public Tensor {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name must be non-empty");
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name longer than " + MAX_NAME_BYTES + " UTF-8 bytes");
        }
        shape = shape.clone();
        long count = elementCount(shape);
        if (count < 0 || count != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(shape) + " needs "
                    + (count < 0 ? "an invalid number of" : String.valueOf(count)) + " values, got " + data.length);
        }
    }

    /** A rank-1 tensor over {@code data}. */
    public static Tensor vector(String name, float[] data) {
        return new Tensor(name, new long[]{data.length}, data);
    }

    /** A point cloud as an {@code [n, dim]} tensor sharing its value array. */
    public static Tensor of(String name, Samples points) {
        return new Tensor(name, new long[]{points.n(), points.dim()}, points.values());
    }

    /** This tensor as a point cloud; it must be rank 2. */
    public Samples toSamples() {
        if (shape.length != 2) throw new IllegalStateException("tensor '" + name + "' has rank " + shape.length + ", not 2");
        return new Samples((int) shape[0], (int) shape[1], data);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Product of {@code dims}, or -1 if a dim is negative or the product overflows a long. */
    static long elementCount(long[] dims) {
        for (long d : dims) {
            if (d < 0) return -1;
            if (d == 0) return 0;
        }
        long n = 1;
        for (long d : dims) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Tensor t)) return false;
        if (!name.equals(t.name) || !Arrays.equals(shape, t.shape) || data.length != t.data.length) return false;
        for (int i = 0; i < data.length; i++) {
            if (Float.floatToRawIntBits(data[i]) != Float.floatToRawIntBits(t.data[i])) return false;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
