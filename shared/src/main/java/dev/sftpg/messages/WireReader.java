package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Big-endian input over one payload. Every read checks the bytes are there first and every length field is checked
 * against what remains <em>before</em> anything is allocated, so a few bytes of garbage that claim two billion floats
 * cost nothing. All failures are {@link MessageFormatException}s naming the field and the absolute byte offset.
 */
final class WireReader {

    private final ByteBuffer buf;

    /** Reads {@code bytes[start, end)}; offsets in messages are relative to the start of {@code bytes}. */
    WireReader(byte[] bytes, int start, int end) {
        this.buf = ByteBuffer.wrap(bytes, start, end - start); // position = start, limit = end, big-endian
    }

    private void need(long n, String field) {
        if (buf.remaining() < n) {
            throw new MessageFormatException("payload truncated at byte " + buf.position() + " of " + buf.limit()
                    + " reading " + field + " (needs " + n + " bytes, " + buf.remaining() + " remain)");
        }
    }

    int u8(String field) {
        need(1, field);
        return buf.get() & 0xff;
    }

    int i32(String field) {
        need(4, field);
        return buf.getInt();
    }

    long i64(String field) {
        need(8, field);
        return buf.getLong();
    }

    double f64(String field) {
        need(8, field);
        return buf.getDouble();
    }

    /** int16 length + UTF-8, at most {@link Fields#MAX_ID_BYTES}. */
    String shortString(String field) {
        need(2, field + " length");
        int len = buf.getShort();
        if (len < 0) throw new MessageFormatException("negative length " + len + " for " + field);
        return utf8(field, len, Fields.MAX_ID_BYTES);
    }

    /** int32 length + UTF-8, at most {@code maxBytes}. */
    String longString(String field, int maxBytes) {
        int len = i32(field + " length");
        if (len < 0) throw new MessageFormatException("negative length " + len + " for " + field);
        return utf8(field, len, maxBytes);
    }

    private String utf8(String field, int len, int maxBytes) {
        if (len > maxBytes) {
            throw new MessageFormatException("length " + len + " of " + field + " exceeds limit " + maxBytes + " bytes");
        }
        need(len, field);
        ByteBuffer slice = buf.slice(buf.position(), len);
        String s;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
            s = chars.toString();
        } catch (CharacterCodingException e) {
            throw new MessageFormatException("invalid UTF-8 in " + field + " at byte " + buf.position());
        }
        buf.position(buf.position() + len);
        return s;
    }

    /** int32 length + floats, the length checked against the remaining bytes before allocating. */
    float[] floats(String field) {
        int len = arrayLength(field, Integer.MAX_VALUE);
        float[] a = new float[len];
        buf.asFloatBuffer().get(a);
        buf.position(buf.position() + 4 * len);
        return a;
    }

    /** int32 length (at most {@code maxLen}) + ints. */
    int[] ints(String field, int maxLen) {
        int len = arrayLength(field, maxLen);
        int[] a = new int[len];
        buf.asIntBuffer().get(a);
        buf.position(buf.position() + 4 * len);
        return a;
    }

    private int arrayLength(String field, int maxLen) {
        int len = i32(field + " length");
        if (len < 0) throw new MessageFormatException("negative array length " + len + " for " + field);
        if (len > maxLen) throw new MessageFormatException("array length " + len + " of " + field + " exceeds limit " + maxLen);
        if (len > buf.remaining() / 4) {
            throw new MessageFormatException("array length " + len + " of " + field + " needs " + 4L * len
                    + " bytes but only " + buf.remaining() + " remain in the payload (truncated at byte "
                    + buf.position() + " of " + buf.limit() + ")");
        }
        return len;
    }

    /** Fails if the payload has bytes the type does not account for: a sign of a sender with another layout. */
    void expectEnd(String type) {
        if (buf.hasRemaining()) {
            throw new MessageFormatException(buf.remaining() + " unexpected trailing bytes after the " + type
                    + " payload at byte " + buf.position());
        }
    }
}
