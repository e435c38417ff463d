package dev.sftpg.messages;

import dev.sftpg.checkpoint.LearnerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MessageFramingTest {

    static List<Object> samples() {
        return Wire.samples();
    }

    /** The decode must fail with our exception (not an index/buffer/allocation error) and say what is wrong. */
    static MessageFormatException rejected(Executable decode, String... fragments) {
        MessageFormatException e = assertThrows(MessageFormatException.class, decode);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message should mention '" + f + "': " + e.getMessage());
        }
        return e;
    }

    static MessageFormatException rejected(byte[] bytes, String... fragments) {
        return rejected(() -> MessageCodecs.decodeAny(bytes), fragments);
    }

    @Test
    void headerLayoutByteByByte() {
        byte[] b = MessageCodecs.encode(new Credit("w1", 5));
        byte[] expectedBody = {
                'S', 'F', 'T', 'M',     // magic
                0, 1,                   // format version 1, big-endian uint16
                0, 7,                   // type id 7 = CREDIT
                0, 0, 0, 8,             // payload length 8
                0, 2, 'w', '1',         // workerId: int16 length 2 + UTF-8
                0, 0, 0, 5};            // credits int32
        assertEquals(expectedBody.length + 4, b.length);
        assertArrayEquals(expectedBody, Arrays.copyOf(b, expectedBody.length));
        long crc = Wire.crc(expectedBody, expectedBody.length);
        assertArrayEquals(new byte[]{(byte) (crc >>> 24), (byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc},
                Arrays.copyOfRange(b, expectedBody.length, b.length), "CRC32 of header + payload, big-endian");
        assertArrayEquals(Wire.frame(MessageType.CREDIT, new Wire.Payload().str("w1").i32(5).bytes()), b,
                "the independent test framer produces the same bytes");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void payloadLayoutMatchesTheDocumentedFieldOrder(Object message) {
        Wire.Payload p = new Wire.Payload();
        if (message instanceof TrajectoryBatch t) {
            p.i64(t.policyVersion()).str(t.workerId()).i64(t.sequence()).i32(t.steps()).i32(t.batch())
                    .ints(t.sampleShape()).floats(t.states());
        } else if (message instanceof PolicyWeights w) {
            p.i64(w.version()).floats(w.params()).str(w.sha256());
        } else if (message instanceof PolicyVersion v) {
            p.i64(v.version()).i32(v.parameterCount()).str(v.sha256());
        } else if (message instanceof ScoreQuery q) {
            p.i64(q.id()).i32(q.n()).ints(q.sampleShape()).floats(q.points());
            if (q.steps() == null) p.i8(0); else p.i8(1).ints(q.steps());
        } else if (message instanceof ScoreReply r) {
            p.i64(r.id()).floats(r.values());
        } else if (message instanceof CouplingGradient g) {
            p.str(g.workerId()).i64(g.sequence()).floats(g.criticTargets()).floats(g.gradient()).f64(g.valueLoss());
        } else if (message instanceof Credit c) {
            p.str(c.workerId()).i32(c.credits());
        } else if (message instanceof MetricsReport m) {
            byte[] json = m.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            p.str(m.source()).i64(m.timestampMillis()).i32(json.length).raw(json);
        } else if (message instanceof LearnerState l) {
            byte[] json = l.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            p.str(l.role()).i32(json.length).raw(json).i32(l.tensors().size());
            l.tensors().forEach((name, values) -> p.str(name).floats(values));
        } else {
            fail("no layout for " + message.getClass());
        }
        byte[] expected = Wire.frame(MessageType.forRecord(message.getClass()), p.bytes());
        assertArrayEquals(expected, MessageCodecs.encode(message));
        assertEquals(message, MessageCodecs.decodeAny(expected));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void truncationAtEveryOffsetIsRejected(Object message) {
        byte[] full = MessageCodecs.encode(message);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            MessageFormatException e = rejected(cut);
            String m = e.getMessage();
            assertTrue(m.contains("truncated") || m.contains("length field says"), () -> "length " + cut.length + ": " + m);
        }
        // and a byte too many is as wrong as one too few
        rejected(Arrays.copyOf(full, full.length + 1), "length field says");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everySingleByteCorruptionIsRejected(Object message) {
        byte[] good = MessageCodecs.encode(message);
        int crcStart = good.length - 4;
        for (int i = 0; i < good.length; i++) {
            for (int x = 1; x < 256; x++) { // every non-zero XOR: all 8 single-bit flips and every multi-bit change
                byte[] bad = good.clone();
                bad[i] ^= (byte) x;
                MessageFormatException e = assertThrows(MessageFormatException.class, () -> MessageCodecs.decodeAny(bad));
                if (i >= crcStart || (i >= 12 && i < crcStart) || (i >= 6 && i < 8)) {
                    // payload, type id or the CRC itself: only the checksum can tell
                    assertTrue(e.getMessage().contains("CRC mismatch"), e.getMessage());
                }
            }
        }
    }

    @Test
    void headerErrorsSayWhatIsWrong() {
        byte[] good = MessageCodecs.encode(new Credit("w1", 5));

        byte[] magic = good.clone();
        magic[0] = '{';
        rejected(magic, "bad magic", "SFTM");
        rejected("{\"json\": true}".getBytes(), "bad magic");
        rejected(new byte[]{'S', 'F'}, "truncated");
        rejected(new byte[0], "truncated");
        rejected(() -> MessageCodecs.decodeAny(null), "null");

        byte[] v2 = Wire.frame(2, MessageType.CREDIT.id(), Wire.payload(good));
        rejected(v2, "unsupported format version 2 (supported 1)");
        rejected(Arrays.copyOf(v2, 6), "unsupported format version 2");

        rejected(Wire.frame(1, 42, new byte[]{1, 2, 3}), "unknown message type id 42");
        rejected(Wire.frame(1, 0, new byte[0]), "unknown message type id 0");

        byte[] longer = good.clone();
        ByteBuffer.wrap(longer).putInt(8, 9);
        rejected(longer, "length field says 9", "8 bytes remain");
        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).putInt(8, -1);
        rejected(negative, "length field says -1");

        byte[] crc = good.clone();
        crc[crc.length - 1] ^= 1;
        rejected(crc, "CRC mismatch");
    }

    @Test
    void wrongExpectedTypeNamesBothTypes() {
        byte[] version = MessageCodecs.encode(PolicyWeights.of(1, new float[]{1}).announcement());
        rejected(() -> MessageCodecs.decode(version, PolicyWeights.class),
                "expected type PolicyWeights but got PolicyVersion");
        assertInstanceOf(PolicyVersion.class, MessageCodecs.decode(version, Record.class), "a supertype accepts it");
        assertInstanceOf(PolicyVersion.class, MessageCodecs.decode(version, Object.class));
    }

    @Test
    void declaredHugeLengthsAreRejectedWithoutAllocating() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            // 12-byte garbage header claiming a 2 GiB payload
            rejected(ByteBuffer.allocate(16).putInt(MessageCodecs.MAGIC).putShort((short) 1).putShort((short) 1)
                    .putInt(Integer.MAX_VALUE).array(), "length field says 2147483647");
            // a correctly framed, checksummed batch whose states array claims 2^31-1 floats in 0 bytes
            byte[] floats = Wire.frame(MessageType.TRAJECTORY_BATCH, new Wire.Payload().i64(0).str("w").i64(0).i32(1).i32(1)
                    .ints(2).i32(Integer.MAX_VALUE).bytes());
            rejected(floats, "array length 2147483647 of states", "0 remain");
            // weights claiming ~2^30 floats but carrying 8 bytes
            rejected(Wire.frame(MessageType.POLICY_WEIGHTS, new Wire.Payload().i64(0).i32(1 << 30).i64(0).bytes()),
                    "array length 1073741824 of params");
            rejected(Wire.frame(MessageType.SCORE_QUERY, new Wire.Payload().i64(0).i32(1).i32(-5).bytes()),
                    "negative array length -5 for sampleShape");
            rejected(Wire.frame(MessageType.SCORE_QUERY, new Wire.Payload().i64(0).i32(1).ints(new int[9]).bytes()),
                    "array length 9 of sampleShape exceeds limit 8");
            // strings: an id over 1 KiB, a JSON text over 1 MiB
            rejected(Wire.frame(MessageType.CREDIT, new Wire.Payload().i16(5000).bytes()), "length 5000 of workerId exceeds limit 1024");
            rejected(Wire.frame(MessageType.CREDIT, new Wire.Payload().i16(-1).bytes()), "negative length -1 for workerId");
            rejected(Wire.frame(MessageType.METRICS_REPORT, new Wire.Payload().str("s").i64(0).i32(Integer.MAX_VALUE).bytes()),
                    "length 2147483647 of json exceeds limit 1048576");
            rejected(Wire.frame(MessageType.METRICS_REPORT, new Wire.Payload().str("s").i64(0).i32(1000).raw(new byte[10]).bytes()),
                    "truncated at byte", "reading json");
        });
    }

    @Test
    void messageSizeLimitHoldsBothWays() {
        byte[] ok = MessageCodecs.encode(PolicyWeights.of(1, new float[100]));
        assertEquals(ok.length, MessageCodecs.encode(PolicyWeights.of(1, new float[100]), ok.length).length);
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> MessageCodecs.encode(PolicyWeights.of(1, new float[100]), ok.length - 1));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        rejected(() -> MessageCodecs.decode(ok, Object.class, ok.length - 1), "exceeds the " + (ok.length - 1) + "-byte limit");
        assertEquals(256 << 20, MessageCodecs.MAX_MESSAGE_BYTES);
    }

    @Test
    void nonFiniteValuesAreRejectedWithTheFieldName() {
        TrajectoryBatch t = new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{2}, new float[]{1, 2, 3, 4});
        byte[] b = MessageCodecs.encode(t);
        int lastFloat = b.length - 4 - 4; // states are the last field: its final element sits right before the CRC
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            byte[] nan = b.clone();
            ByteBuffer.wrap(nan).putFloat(lastFloat, bad);
            rejected(Wire.fixCrc(nan), "invalid TrajectoryBatch", "non-finite value", "in states at index 3");
        }
        CouplingGradient g = new CouplingGradient("w", 1, new float[]{1}, new float[]{2}, 0.5);
        byte[] gb = MessageCodecs.encode(g);
        ByteBuffer.wrap(gb).putDouble(gb.length - 4 - 8, Double.NaN);
        rejected(Wire.fixCrc(gb), "non-finite value NaN in valueLoss");
        rejected(Wire.frame(MessageType.SCORE_REPLY, new Wire.Payload().i64(1).floats(1f, Float.NaN).bytes()),
                "non-finite value NaN in values at index 1");
    }

    @Test
    void tamperedWeightsAreRejectedAsCorrupt() {
        PolicyWeights w = PolicyWeights.of(3, new float[]{0.5f, 1.5f, -2f});
        byte[] b = MessageCodecs.encode(w);
        // param 0 sits after the header (12), version (8) and the array length (4)
        ByteBuffer.wrap(b).putFloat(12 + 8 + 4, 0.5000001f);
        MessageFormatException e = rejected(Wire.fixCrc(b), "invalid PolicyWeights", "sha256 mismatch", "corrupt");
        assertTrue(e.getMessage().contains(w.sha256()), "names the digest it was promised");
    }

    @Test
    void wellFramedButInvalidPayloadsAreRejected() {
        byte[] good = MessageCodecs.encode(new Credit("w1", 5));
        rejected(Wire.frame(MessageType.CREDIT, new Wire.Payload().raw(Wire.payload(good)).i8(0).bytes()),
                "1 unexpected trailing bytes after the Credit payload");
        rejected(Wire.frame(MessageType.CREDIT, new Wire.Payload().str("w1").i32(0).bytes()),
                "invalid Credit", "credits must be >= 1");
        rejected(Wire.frame(MessageType.CREDIT, new Wire.Payload().i16(2).raw(new byte[]{(byte) 0xC3, 0x28}).i32(1).bytes()),
                "invalid UTF-8 in workerId");
        rejected(Wire.frame(MessageType.TRAJECTORY_BATCH, new Wire.Payload().i64(0).str("w").i64(0).i32(1).i32(1)
                .ints(2).floats(1, 2, 3).bytes()), "shape mismatch", "states has 3 values");
        rejected(Wire.frame(MessageType.SCORE_QUERY, new Wire.Payload().i64(0).i32(1).ints(1).floats(1).i8(2).bytes()),
                "steps flag must be 0 (critic) or 1 (value), got 2");
        byte[] json = "{\"a\":".getBytes();
        rejected(Wire.frame(MessageType.METRICS_REPORT, new Wire.Payload().str("s").i64(0).i32(json.length).raw(json).bytes()),
                "invalid MetricsReport", "invalid JSON");
        rejected(Wire.frame(MessageType.POLICY_VERSION, new Wire.Payload().i64(1).i32(3).str("abc").bytes()),
                "sha256 must be 64 lowercase hex digits");
    }
}
