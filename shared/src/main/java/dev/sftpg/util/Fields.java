package dev.sftpg.util;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Validation shared by the message records' constructors. All failures are {@link IllegalArgumentException}s
 * (nulls included) so that the decoder can turn any invalid-but-well-framed payload into a
 * {@link MessageFormatException} with a single catch, and so that a sender learns about a bad value where it was
 * made rather than from a peer's log.
 */
public final class Fields {

    /** Ids (worker ids, sources, digests) are short; the cap keeps a hostile length from costing anything. */
    public static final int MAX_ID_BYTES = 1024;
    /** Metrics snapshots are the only long text; 1 MiB is far above a real one and far below trouble. */
    public static final int MAX_JSON_BYTES = 1 << 20;
    /** [2] for points, [C,H,W] for images; anything past 8 dimensions is a bug, not a sample. */
    public static final int MAX_RANK = 8;

    private static final HexFormat HEX = HexFormat.of();

    private Fields() {
    }

    public static void nonNegative(String field, long v) {
        if (v < 0) throw new IllegalArgumentException(field + " must be >= 0, got " + v);
    }

    public static void atLeast(String field, long v, long min) {
        if (v < min) throw new IllegalArgumentException(field + " must be >= " + min + ", got " + v);
    }

    public static void finite(String field, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException("non-finite value " + v + " in " + field);
    }

    /**
     * A private copy of {@code a}, checked to hold only finite values. The check runs on the copy so a caller that
     * keeps mutating its array cannot slip a NaN past it, and it exists at all because one NaN in a gradient or
     * weight blob spreads to every node that consumes it.
     */
    public static float[] finiteCopy(String field, float[] a) {
        if (a == null) throw new IllegalArgumentException(field + " is null");
        float[] c = a.clone();
        for (int i = 0; i < c.length; i++) {
            if (!Float.isFinite(c[i])) {
                throw new IllegalArgumentException("non-finite value " + c[i] + " in " + field + " at index " + i);
            }
        }
        return c;
    }

    /** A private copy of a per-sample shape: rank 1..{@value #MAX_RANK}, every dim positive, size fits an int. */
    public static int[] shape(String field, int[] shape) {
        if (shape == null) throw new IllegalArgumentException(field + " is null");
        int[] s = shape.clone();
        if (s.length == 0 || s.length > MAX_RANK) {
            throw new IllegalArgumentException(field + " must have 1.." + MAX_RANK + " dims, got " + Arrays.toString(s));
        }
        long size = 1;
        for (int d : s) {
            if (d < 1) throw new IllegalArgumentException(field + " dims must be positive, got " + Arrays.toString(s));
            size *= d; // at most 8 factors each < 2^31 checked one by one: cannot overflow before the test below
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(field + " " + Arrays.toString(s) + " has more than 2^31-1 elements");
            }
        }
        return s;
    }

    public static int elementCount(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Product of non-negative factors, or -1 on overflow (which no array length can equal). */
    public static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            try {
                p = Math.multiplyExact(p, f);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return p;
    }

    /**
     * An identifier: non-blank, well-formed UTF-16 (a lone surrogate would not survive the UTF-8 round trip, so a
     * worker would no longer match its own id), at most {@value #MAX_ID_BYTES} UTF-8 bytes.
     */
    public static String id(String field, String s) {
        if (s == null) throw new IllegalArgumentException(field + " is null");
        if (s.isBlank()) throw new IllegalArgumentException(field + " is blank");
        utf8(field, s, MAX_ID_BYTES);
        return s;
    }

    /** Strict UTF-8 encoding of {@code s}, at most {@code maxBytes}. */
    public static byte[] utf8(String field, String s, int maxBytes) {
        if ((long) s.length() > maxBytes) { // every char is at least one byte: reject before encoding a huge string
            throw new IllegalArgumentException(field + " has " + s.length() + " chars, over the " + maxBytes + "-byte limit");
        }
        CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer b;
        try {
            b = enc.encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(field + " is not well-formed Unicode (unpaired surrogate)");
        }
        if (b.remaining() > maxBytes) {
            throw new IllegalArgumentException(field + " is " + b.remaining() + " UTF-8 bytes, over the " + maxBytes + "-byte limit");
        }
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A SHA-256 in the one spelling compared everywhere: 64 lowercase hex digits. */
    public static String sha256Hex(String field, String s) {
        if (s == null) throw new IllegalArgumentException(field + " is null");
        boolean ok = s.length() == 64;
        for (int i = 0; ok && i < 64; i++) {
            char c = s.charAt(i);
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }
        if (!ok) {
            String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
            throw new IllegalArgumentException(field + " must be 64 lowercase hex digits, got \"" + shown + "\"");
        }
        return s;
    }

    /**
     * SHA-256 of the values as big-endian IEEE-754 bytes, i.e. exactly the bytes the codec puts on the wire, so
     * another language can recompute it from the raw message without knowing Java.
     */
    public static String sha256Of(float[] values) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        FloatBuffer fb = buf.asFloatBuffer();
        for (int off = 0; off < values.length; ) {
            int n = Math.min(fb.capacity(), values.length - off);
            fb.clear();
            fb.put(values, off, n);
            md.update(buf.array(), 0, n * Float.BYTES);
            off += n;
        }
        return HEX.formatHex(md.digest());
    }

    /** For toString: arrays can hold millions of values, so only their size goes into a log line. */
    public static String describe(float[] a) {
        return a == null ? "null" : "float[" + a.length + "]";
    }
}
