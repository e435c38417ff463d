package dev.sftpg.messages;

import dev.sftpg.checkpoint.LearnerState;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Test-side framing written independently of the codec (DataOutputStream is big-endian), so tests can build
 * well-framed messages with bad payloads and check the layout against a second implementation rather than itself.
 */
final class Wire {

    private Wire() {
    }

    static byte[] frame(int version, int typeId, byte[] payload) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        try {
            out.writeBytes("SFTM");
            out.writeShort(version);
            out.writeShort(typeId);
            out.writeInt(payload.length);
            out.write(payload);
            byte[] body = bos.toByteArray();
            out.writeInt((int) crc(body, body.length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static byte[] frame(MessageType type, byte[] payload) {
        return frame(1, type.id(), payload);
    }

    static long crc(byte[] b, int len) {
        CRC32 c = new CRC32();
        c.update(b, 0, len);
        return c.getValue();
    }

    /** A copy of {@code msg} with the CRC trailer recomputed, so a payload edit reaches the payload checks. */
    static byte[] fixCrc(byte[] msg) {
        byte[] b = msg.clone();
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc(b, b.length - 4));
        return b;
    }

    /** The payload of an encoded message. */
    static byte[] payload(byte[] msg) {
        return Arrays.copyOfRange(msg, 12, msg.length - 4);
    }

    /** Big-endian payload builder. */
    static final class Payload {
        private final ByteArrayOutputStream bos = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bos);

        Payload i8(int v) { return run(() -> out.writeByte(v)); }
        Payload i16(int v) { return run(() -> out.writeShort(v)); }
        Payload i32(int v) { return run(() -> out.writeInt(v)); }
        Payload i64(long v) { return run(() -> out.writeLong(v)); }
        Payload f32(float v) { return run(() -> out.writeInt(Float.floatToRawIntBits(v))); }
        Payload f64(double v) { return run(() -> out.writeLong(Double.doubleToRawLongBits(v))); }
        Payload raw(byte[] b) { return run(() -> out.write(b)); }

        Payload str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return i16(b.length).raw(b);
        }

        Payload floats(float... a) {
            i32(a.length);
            for (float f : a) f32(f);
            return this;
        }

        Payload ints(int... a) {
            i32(a.length);
            for (int v : a) i32(v);
            return this;
        }

        byte[] bytes() {
            return bos.toByteArray();
        }

        private interface IoAction { void run() throws IOException; }

        private Payload run(IoAction a) {
            try {
                a.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    /** One valid instance of every message type, small enough to corrupt exhaustively. */
    static List<Object> samples() {
        return List.of(
                new TrajectoryBatch(3, "worker-1", 7, 2, 2, new int[]{2},
                        new float[]{0.5f, -0.0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, -10f}),
                PolicyWeights.of(4, new float[]{0.25f, -1.5f, 3e-8f}),
                PolicyWeights.of(4, new float[]{0.25f, -1.5f, 3e-8f}).announcement(),
                ScoreQuery.critic(11, new int[]{2}, new float[]{1f, 2f, 3f, 4f}),
                ScoreQuery.value(12, new int[]{2}, new float[]{1f, 2f, 3f, 4f}, new int[]{0, 5}),
                new ScoreReply(11, new float[]{0.75f, -0.0f}),
                new CouplingGradient("worker-1", 7, new float[]{1f, 2f}, new float[]{-0.5f, 0.125f}, 0.0625),
                new Credit("worker-ü", 3),
                new MetricsReport("learner", 1_700_000_000_000L, "{\"loss\":0.5,\"step\":12}"),
                new LearnerState("generator", "{\"version\":3,\"lr\":5e-5}",
                        new java.util.LinkedHashMap<>(java.util.Map.of("params", new float[]{0.5f, -1f}, "optimizer", new float[]{0f, 1e-9f, 2f}))));
    }
}
