package dev.sftpg.messages;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Big-endian output for the codec: a growable heap buffer that refuses to grow past the message size limit, so an
 * oversized message fails when it is built rather than when a peer (or the cluster transport) chokes on it.
 */
final class WireWriter {

    private final int maxBytes;
    private ByteBuffer buf;

    WireWriter(int initialCapacity, int maxBytes) {
        this.maxBytes = maxBytes;
        this.buf = ByteBuffer.allocate(Math.min(initialCapacity, maxBytes));
    }

    private void ensure(long more) {
        long need = (long) buf.position() + more;
        if (need > maxBytes) {
            throw new MessageFormatException("message too large: needs more than " + need + " bytes, limit is " + maxBytes);
        }
        if (need > buf.capacity()) {
            long cap = Math.min(maxBytes, Math.max(need, 2L * buf.capacity()));
            ByteBuffer bigger = ByteBuffer.allocate((int) cap);
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    int position() {
        return buf.position();
    }

    void u8(int v) {
        ensure(1);
        buf.put((byte) v);
    }

    void u16(int v) {
        ensure(2);
        buf.putShort((short) v);
    }

    void i32(int v) {
        ensure(4);
        buf.putInt(v);
    }

    void i32At(int offset, int v) {
        buf.putInt(offset, v);
    }

    void i64(long v) {
        ensure(8);
        buf.putLong(v);
    }

    void f64(double v) {
        ensure(8);
        buf.putDouble(v);
    }

    /** int16 length + UTF-8; the records already checked the length and well-formedness. */
    void shortString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ensure(2L + b.length);
        buf.putShort((short) b.length);
        buf.put(b);
    }

    /** int32 length + UTF-8. */
    void longString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ensure(4L + b.length);
        buf.putInt(b.length);
        buf.put(b);
    }

    /** int32 length + elements. */
    void floats(float[] a) {
        ensure(4L + 4L * a.length);
        buf.putInt(a.length);
        buf.asFloatBuffer().put(a);
        buf.position(buf.position() + 4 * a.length);
    }

    /** int32 length + elements. */
    void ints(int[] a) {
        ensure(4L + 4L * a.length);
        buf.putInt(a.length);
        buf.asIntBuffer().put(a);
        buf.position(buf.position() + 4 * a.length);
    }

    /** The backing array; valid bytes are [0, position()). */
    byte[] array() {
        return buf.array();
    }
}
