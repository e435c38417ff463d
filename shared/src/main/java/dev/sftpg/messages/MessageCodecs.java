package dev.sftpg.messages;

import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.util.Fields;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Binary encoding of the training messages for the clustered event bus. Explicit rather than Java serialization so
 * that the bytes do not depend on class layouts (nodes may run slightly different builds during a rolling restart),
 * cannot instantiate arbitrary classes, and are checked field by field: whatever arrives, {@link #decode} either
 * returns a valid record or throws {@link MessageFormatException}, and never allocates more than the message's own
 * size.
 *
 * <h2>Frame, format version 1</h2>
 * All integers and floats are <b>big-endian</b> (network order, and what Vert.x {@code Buffer.getInt} reads, so a
 * verticle can peek at a header without this class). Unlike the little-endian checkpoint files, these bytes only
 * live on the wire.
 * <pre>
 *   4 bytes   magic "SFTM" (ASCII)
 *   uint16    format version = 1
 *   uint16    message type id ({@link MessageType#id()})
 *   int32     payload length P
 *   P bytes   payload (per type, below)
 *   int32     CRC32 of every preceding byte (header and payload)
 * </pre>
 * Payload building blocks: {@code id} = int16 length (0..1024) + UTF-8; {@code text} = int32 length (0..1 MiB) +
 * UTF-8; {@code float[]}/{@code int[]} = int32 length + elements (IEEE-754 / two's complement); {@code opt int[]} =
 * uint8 0 (absent) or 1 (present) followed by the array. Fields appear in record-component order:
 * <pre>
 *   TrajectoryBatch   int64 policyVersion, id workerId, int64 sequence, int32 steps, int32 batch,
 *                     int[] sampleShape (rank &le; 8), float[] states
 *   PolicyWeights     int64 version, float[] params, id sha256
 *   PolicyVersion     int64 version, int32 parameterCount, id sha256
 *   ScoreQuery        int64 id, int32 n, int[] sampleShape, float[] points, opt int[] steps
 *   ScoreReply        int64 id, float[] values
 *   CouplingGradient  id workerId, int64 sequence, float[] criticTargets, float[] gradient, float64 valueLoss
 *   Credit            id workerId, int32 credits
 *   MetricsReport     id source, int64 timestampMillis, text json
 *   LearnerState      id role, text json, int32 count (0..32), then count x (id name, float[] values)
 * </pre>
 * A whole message is at most {@value #MAX_MESSAGE_BYTES} bytes. CRC32 rather than SHA-256 (as the checkpoint files
 * use) because it is cheap on every hop and catches every single-byte corruption; end-to-end identity of weight
 * blobs is the job of {@link PolicyWeights#sha256()}.
 *
 * <p>Decoding checks, in order: size limit, magic, version, that the length field matches the bytes present, the
 * CRC, the type id, the expected type, then the payload field by field and finally the record's own validation (so a
 * NaN, a shape mismatch or a wrong digest in a well-framed message is still refused). The CRC comes before the type
 * id so a corrupted id reads as corruption, while an intact unknown id reads as a peer with a newer build.
 */
public final class MessageCodecs {

    /** "SFTM" as a big-endian int. */
    public static final int MAGIC = 0x5346544D;
    public static final int FORMAT_VERSION = 1;
    /** Magic, version, type id, payload length. */
    public static final int HEADER_BYTES = 12;
    public static final int CRC_BYTES = 4;
    /** Far above any real batch or weight blob, and below where a single message would stall the cluster transport. */
    public static final int MAX_MESSAGE_BYTES = 256 << 20;
    public static final int MAX_ID_BYTES = Fields.MAX_ID_BYTES;
    public static final int MAX_JSON_BYTES = Fields.MAX_JSON_BYTES;
    public static final int MAX_SHAPE_RANK = Fields.MAX_RANK;

    private MessageCodecs() {
    }

    /**
     * The bytes for one message record.
     *
     * @throws IllegalArgumentException if {@code message} is null or not one of the {@link MessageType} records
     * @throws MessageFormatException   if the encoding would exceed {@link #MAX_MESSAGE_BYTES}
     */
    public static byte[] encode(Object message) {
        return encode(message, MAX_MESSAGE_BYTES);
    }

    /**
     * Decodes a message that must be of type {@code expected}. A handler registered for one kind of message passes
     * its record class here, so a message sent to the wrong address fails loudly instead of being cast later.
     * {@code Object.class} (or any supertype) accepts every type.
     *
     * @throws MessageFormatException for anything that is not a valid message of the expected type
     */
    public static <T> T decode(byte[] bytes, Class<T> expected) {
        if (expected == null) throw new IllegalArgumentException("expected type is null");
        return expected.cast(decode(bytes, expected, MAX_MESSAGE_BYTES));
    }

    /**
     * Decodes a message of any type, for handlers that switch on the record class.
     *
     * @throws MessageFormatException for anything that is not a valid message
     */
    public static Object decodeAny(byte[] bytes) {
        return decode(bytes, Object.class, MAX_MESSAGE_BYTES);
    }

    // ---------------------------------------------------------------- framing (the only place that knows the header)

    static byte[] encode(Object message, int maxBytes) {
        if (message == null) throw new IllegalArgumentException("message is null");
        MessageType type = MessageType.forRecord(message.getClass());
        WireWriter w = new WireWriter(256, maxBytes);
        w.i32(MAGIC);
        w.u16(FORMAT_VERSION);
        w.u16(type.id());
        w.i32(0); // payload length, patched below
        writePayload(type, message, w);
        int payloadLength = w.position() - HEADER_BYTES;
        w.i32At(8, payloadLength);
        CRC32 crc = new CRC32();
        crc.update(w.array(), 0, w.position());
        w.i32((int) crc.getValue());
        return Arrays.copyOf(w.array(), w.position());
    }

    static Object decode(byte[] bytes, Class<?> expected, int maxBytes) {
        if (bytes == null) throw new MessageFormatException("message is null");
        int total = bytes.length;
        if (total > maxBytes) {
            throw new MessageFormatException("message of " + total + " bytes exceeds the " + maxBytes + "-byte limit");
        }
        checkMagic(bytes);
        if (total >= 6) {
            int version = u16(bytes, 4);
            if (version != FORMAT_VERSION) {
                throw new MessageFormatException("unsupported format version " + version + " (supported " + FORMAT_VERSION + ")");
            }
        }
        if (total < HEADER_BYTES + CRC_BYTES) {
            throw new MessageFormatException("truncated at byte " + total + " of at least " + (HEADER_BYTES + CRC_BYTES)
                    + " (header and CRC alone need " + (HEADER_BYTES + CRC_BYTES) + " bytes)");
        }
        int payloadLength = i32(bytes, 8);
        int remaining = total - HEADER_BYTES - CRC_BYTES;
        if (payloadLength != remaining) {
            throw new MessageFormatException("length field says " + payloadLength
                    + " payload bytes but " + remaining + " bytes remain before the CRC"
                    + (payloadLength > remaining || payloadLength < 0 ? " (truncated or corrupt)" : " (trailing bytes or corrupt)"));
        }
        int end = HEADER_BYTES + payloadLength;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, end);
        int computed = (int) crc.getValue();
        int stored = i32(bytes, end);
        if (computed != stored) {
            throw new MessageFormatException(String.format(Locale.ROOT,
                    "CRC mismatch: computed 0x%08x, message says 0x%08x (corrupted in transit)", computed, stored));
        }
        int typeId = u16(bytes, 6);
        MessageType type = MessageType.forId(typeId);
        if (type == null) {
            throw new MessageFormatException("unknown message type id " + typeId + " (known: " + knownIds() + ")");
        }
        if (!expected.isAssignableFrom(type.recordType())) {
            throw new MessageFormatException("expected type " + expected.getSimpleName() + " but got "
                    + type.recordType().getSimpleName() + " (type id " + typeId + ")");
        }
        WireReader r = new WireReader(bytes, HEADER_BYTES, end);
        Object message;
        try {
            message = readPayload(type, r);
        } catch (IllegalArgumentException e) { // the record's own validation: well framed, but not a valid message
            throw new MessageFormatException("invalid " + type.recordType().getSimpleName() + ": " + e.getMessage(), e);
        }
        r.expectEnd(type.recordType().getSimpleName());
        return message;
    }

    private static void checkMagic(byte[] bytes) {
        int n = Math.min(4, bytes.length);
        for (int i = 0; i < n; i++) {
            if (bytes[i] != (byte) (MAGIC >>> (24 - 8 * i))) {
                StringBuilder got = new StringBuilder();
                for (int j = 0; j < n; j++) got.append(String.format(Locale.ROOT, "%02x", bytes[j] & 0xff));
                throw new MessageFormatException("bad magic 0x" + got + ", expected 0x5346544d (\"SFTM\"): not an sftpg message");
            }
        }
    }

    private static String knownIds() {
        StringBuilder s = new StringBuilder();
        for (MessageType t : MessageType.values()) {
            if (s.length() > 0) s.append(", ");
            s.append(t.id());
        }
        return s.toString();
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    private static int i32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    // ---------------------------------------------------------------- payloads (field order = record component order)

    private static void writePayload(MessageType type, Object m, WireWriter w) {
        switch (type) {
            case TRAJECTORY_BATCH -> {
                TrajectoryBatch t = (TrajectoryBatch) m;
                w.i64(t.policyVersion());
                w.shortString(t.workerId());
                w.i64(t.sequence());
                w.i32(t.steps());
                w.i32(t.batch());
                w.ints(t.sampleShape());
                w.floats(t.statesUnsafe());
            }
            case POLICY_WEIGHTS -> {
                PolicyWeights p = (PolicyWeights) m;
                w.i64(p.version());
                w.floats(p.paramsUnsafe());
                w.shortString(p.sha256());
            }
            case POLICY_VERSION -> {
                PolicyVersion p = (PolicyVersion) m;
                w.i64(p.version());
                w.i32(p.parameterCount());
                w.shortString(p.sha256());
            }
            case SCORE_QUERY -> {
                ScoreQuery q = (ScoreQuery) m;
                w.i64(q.id());
                w.i32(q.n());
                w.ints(q.sampleShape());
                w.floats(q.pointsUnsafe());
                if (q.stepsUnsafe() == null) {
                    w.u8(0);
                } else {
                    w.u8(1);
                    w.ints(q.stepsUnsafe());
                }
            }
            case SCORE_REPLY -> {
                ScoreReply s = (ScoreReply) m;
                w.i64(s.id());
                w.floats(s.valuesUnsafe());
            }
            case COUPLING_GRADIENT -> {
                CouplingGradient g = (CouplingGradient) m;
                w.shortString(g.workerId());
                w.i64(g.sequence());
                w.floats(g.criticTargetsUnsafe());
                w.floats(g.gradientUnsafe());
                w.f64(g.valueLoss());
            }
            case CREDIT -> {
                Credit c = (Credit) m;
                w.shortString(c.workerId());
                w.i32(c.credits());
            }
            case METRICS_REPORT -> {
                MetricsReport r = (MetricsReport) m;
                w.shortString(r.source());
                w.i64(r.timestampMillis());
                w.longString(r.json());
            }
            case LEARNER_STATE -> {
                LearnerState l = (LearnerState) m;
                w.shortString(l.role());
                w.longString(l.json());
                w.i32(l.tensorsUnsafe().size());
                l.tensorsUnsafe().forEach((name, values) -> {
                    w.shortString(name);
                    w.floats(values);
                });
            }
            default -> throw new AssertionError("no payload writer for " + type);
        }
    }

    private static Object readPayload(MessageType type, WireReader r) {
        return switch (type) {
            case TRAJECTORY_BATCH -> new TrajectoryBatch(r.i64("policyVersion"), r.shortString("workerId"),
                    r.i64("sequence"), r.i32("steps"), r.i32("batch"), r.ints("sampleShape", MAX_SHAPE_RANK),
                    r.floats("states"));
            case POLICY_WEIGHTS -> new PolicyWeights(r.i64("version"), r.floats("params"), r.shortString("sha256"));
            case POLICY_VERSION -> new PolicyVersion(r.i64("version"), r.i32("parameterCount"), r.shortString("sha256"));
            case SCORE_QUERY -> {
                long id = r.i64("id");
                int n = r.i32("n");
                int[] shape = r.ints("sampleShape", MAX_SHAPE_RANK);
                float[] points = r.floats("points");
                int flag = r.u8("steps flag");
                int[] steps = switch (flag) {
                    case 0 -> null;
                    case 1 -> r.ints("steps", Integer.MAX_VALUE);
                    default -> throw new MessageFormatException("steps flag must be 0 (critic) or 1 (value), got " + flag);
                };
                yield new ScoreQuery(id, n, shape, points, steps);
            }
            case SCORE_REPLY -> new ScoreReply(r.i64("id"), r.floats("values"));
            case COUPLING_GRADIENT -> new CouplingGradient(r.shortString("workerId"), r.i64("sequence"),
                    r.floats("criticTargets"), r.floats("gradient"), r.f64("valueLoss"));
            case CREDIT -> new Credit(r.shortString("workerId"), r.i32("credits"));
            case METRICS_REPORT -> new MetricsReport(r.shortString("source"), r.i64("timestampMillis"),
                    r.longString("json", MAX_JSON_BYTES));
            case LEARNER_STATE -> {
                String role = r.shortString("role");
                String json = r.longString("json", MAX_JSON_BYTES);
                int count = r.i32("tensor count");
                if (count < 0 || count > LearnerState.MAX_TENSORS)
                    throw new MessageFormatException("tensor count " + count + " outside 0.." + LearnerState.MAX_TENSORS);
                java.util.Map<String, float[]> tensors = new java.util.LinkedHashMap<>();
                for (int i = 0; i < count; i++) {
                    String name = r.shortString("tensor name");
                    if (tensors.put(name, r.floats("tensor " + name)) != null)
                        throw new MessageFormatException("tensor '" + name + "' appears twice");
                }
                yield new LearnerState(role, json, tensors);
            }
        };
    }
}
