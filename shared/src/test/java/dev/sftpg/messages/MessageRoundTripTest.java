package dev.sftpg.messages;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class MessageRoundTripTest {

    private static final float[] SPECIAL = {
            0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.intBitsToFloat(0x3f800001), 1e-30f, (float) Math.PI};

    static float[] gaussian(int n, long seed) {
        Random rnd = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < Math.min(n, SPECIAL.length); i++) f[i] = SPECIAL[i]; // the edge cases go in every array
        return f;
    }

    static void assertBitsEqual(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "bits at index " + i);
        }
    }

    static List<Object> messages() {
        List<Object> all = new java.util.ArrayList<>(Wire.samples());
        int[] image = {3, 28, 28};
        all.add(new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{2}, new float[]{-0f, 0f, 1f, -1f}));
        all.add(new TrajectoryBatch(Long.MAX_VALUE, "gpu-node-7/worker-3", Long.MAX_VALUE, 4, 5, image,
                gaussian(5 * 5 * 3 * 28 * 28, 1)));
        all.add(PolicyWeights.of(99, gaussian(10_000, 2)));
        all.add(ScoreQuery.value(-1, image, gaussian(2 * 3 * 28 * 28, 3), new int[]{0, Integer.MAX_VALUE}));
        all.add(ScoreQuery.critic(Long.MIN_VALUE, image, gaussian(3 * 28 * 28, 4)));
        all.add(new CouplingGradient("w", 0, gaussian(64, 5), gaussian(64, 6), -0.0));
        all.add(new MetricsReport("critic", 0, "{\"nested\":{\"a\":[1,2,{\"b\":null}]},\"text\":\"β ✓ \\u0000\"}"));
        all.add(new MetricsReport("x".repeat(1024), 1, "{}"));
        return all;
    }

    @ParameterizedTest
    @MethodSource("messages")
    void roundTripIsExact(Object message) {
        byte[] bytes = MessageCodecs.encode(message);
        Object back = MessageCodecs.decode(bytes, message.getClass());
        assertEquals(message, back);
        assertNotSame(message, back);
        assertEquals(message.hashCode(), back.hashCode());
        assertEquals(message, MessageCodecs.decodeAny(bytes));
        assertArrayEquals(bytes, MessageCodecs.encode(back), "re-encoding gives the same bytes");
    }

    @Test
    void floatBitsSurviveIncludingNegativeZero() {
        int[] image = {3, 28, 28};
        float[] states = gaussian(3 * 2 * 3 * 28 * 28, 7);
        TrajectoryBatch t = new TrajectoryBatch(1, "w", 2, 2, 2, image, states);
        TrajectoryBatch back = MessageCodecs.decode(MessageCodecs.encode(t), TrajectoryBatch.class);
        assertBitsEqual(states, back.states());
        assertArrayEquals(image, back.sampleShape());
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back.states()[1]));

        ScoreReply r = MessageCodecs.decode(MessageCodecs.encode(new ScoreReply(1, SPECIAL)), ScoreReply.class);
        assertBitsEqual(SPECIAL, r.values());
        assertNotEquals(new ScoreReply(1, new float[]{0f}), new ScoreReply(1, new float[]{-0f}),
                "equality is bitwise, so a sign flip in a round trip would be caught");

        CouplingGradient g = new CouplingGradient("w", 1, new float[]{1}, new float[]{1}, -0.0);
        assertEquals(Double.doubleToRawLongBits(-0.0),
                Double.doubleToRawLongBits(MessageCodecs.decode(MessageCodecs.encode(g), CouplingGradient.class).valueLoss()));
    }

    @Test
    void trajectoryHelpersFollowStateMajorLayout() {
        int steps = 3, batch = 2, size = 2;
        float[][] perState = new float[steps + 1][];
        for (int i = 0; i <= steps; i++) {
            perState[i] = new float[batch * size];
            for (int r = 0; r < batch; r++) for (int j = 0; j < size; j++) perState[i][r * size + j] = 100 * i + 10 * r + j;
        }
        TrajectoryBatch t = TrajectoryBatch.of(5, "w", 9, new int[]{2}, perState);
        assertEquals(steps, t.steps());
        assertEquals(batch, t.batch());
        assertEquals(size, t.sampleSize());
        assertEquals(steps + 1, t.stateCount());
        float[] all = t.states();
        for (int i = 0; i <= steps; i++)
            for (int r = 0; r < batch; r++)
                for (int j = 0; j < size; j++)
                    assertEquals(100 * i + 10 * r + j, all[((i * batch) + r) * size + j]);
        for (int i = 0; i <= steps; i++) assertArrayEquals(perState[i], t.state(i));
        assertArrayEquals(perState[steps], t.finalStates());
        assertThrows(IndexOutOfBoundsException.class, () -> t.state(steps + 1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.state(-1));
        assertEquals(3 * 28 * 28, new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{3, 28, 28}, new float[2 * 3 * 28 * 28]).sampleSize());
    }

    @Test
    void recordsAreImmutableAgainstCallerArrays() {
        float[] states = {1, 2, 3, 4};
        int[] shape = {2};
        TrajectoryBatch t = new TrajectoryBatch(0, "w", 0, 1, 1, shape, states);
        states[0] = Float.NaN; // mutating the caller's array afterwards must not reach the record
        shape[0] = 4;
        t.states()[1] = 99;    // nor must mutating what an accessor returned
        t.sampleShape()[0] = 7;
        t.state(0)[0] = 42;
        assertArrayEquals(new float[]{1, 2, 3, 4}, t.states());
        assertArrayEquals(new int[]{2}, t.sampleShape());

        float[] params = {1, 2};
        PolicyWeights w = PolicyWeights.of(1, params);
        params[0] = 5;
        w.params()[1] = 5;
        assertArrayEquals(new float[]{1, 2}, w.params());

        int[] steps = {1, 2};
        ScoreQuery q = ScoreQuery.value(1, new int[]{1}, new float[]{1, 2}, steps);
        steps[0] = -5;
        q.steps()[1] = -5;
        assertArrayEquals(new int[]{1, 2}, q.steps());
    }

    @Test
    void weightsAnnouncementMatchesItsBlobOnly() {
        PolicyWeights w = PolicyWeights.of(5, gaussian(100, 8));
        PolicyVersion v = MessageCodecs.decode(MessageCodecs.encode(w.announcement()), PolicyVersion.class);
        assertEquals(new PolicyVersion(5, 100, w.sha256()), v);
        assertTrue(v.matches(MessageCodecs.decode(MessageCodecs.encode(w), PolicyWeights.class)));
        assertFalse(v.matches(PolicyWeights.of(5, gaussian(100, 9))), "same version, other weights");
        assertFalse(v.matches(PolicyWeights.of(6, w.params())), "same weights, other version");
        assertFalse(v.matches(null));
        // the digest is over big-endian float bytes, so tools outside Java can recompute it from the wire
        byte[] params = new byte[4 * 100];
        java.nio.ByteBuffer.wrap(params).asFloatBuffer().put(w.params());
        assertEquals(sha256Hex(params), w.sha256());
    }

    @Test
    void scoreQueryRoutesByStepsAndChecksItsReply() {
        ScoreQuery critic = ScoreQuery.critic(1, new int[]{2}, new float[]{1, 2, 3, 4, 5, 6});
        assertFalse(critic.isValueQuery());
        assertNull(critic.steps());
        assertEquals(3, critic.n());
        assertTrue(MessageCodecs.decode(MessageCodecs.encode(critic), ScoreQuery.class).steps() == null,
                "absent steps stay absent rather than becoming an empty array");
        ScoreQuery value = ScoreQuery.value(2, new int[]{2}, new float[]{1, 2, 3, 4}, new int[]{3, 0});
        assertTrue(value.isValueQuery());
        assertEquals(new ScoreReply(2, new float[]{1, 2}), value.reply(new float[]{1, 2}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> value.reply(new float[]{1}));
        assertTrue(e.getMessage().contains("n=2"), e.getMessage());
    }

    @Test
    void typeIdsArePinned() {
        // changing an id breaks every peer running an older build: this list may only ever grow
        assertEquals(1, MessageType.TRAJECTORY_BATCH.id());
        assertEquals(2, MessageType.POLICY_WEIGHTS.id());
        assertEquals(3, MessageType.POLICY_VERSION.id());
        assertEquals(4, MessageType.SCORE_QUERY.id());
        assertEquals(5, MessageType.SCORE_REPLY.id());
        assertEquals(6, MessageType.COUPLING_GRADIENT.id());
        assertEquals(7, MessageType.CREDIT.id());
        assertEquals(8, MessageType.METRICS_REPORT.id());
        assertEquals(9, MessageType.LEARNER_STATE.id());
        for (MessageType t : MessageType.values()) {
            assertSame(t, MessageType.forId(t.id()));
            assertSame(t, MessageType.forRecord(t.recordType()));
        }
        assertNull(MessageType.forId(0));
        assertNull(MessageType.forId(10));
        Set<MessageType> covered = Wire.samples().stream().map(m -> MessageType.forRecord(m.getClass()))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(MessageType.class)));
        assertEquals(EnumSet.allOf(MessageType.class), covered, "the shared samples cover every type");
    }

    @Test
    void encodeRefusesNonMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageCodecs.encode("hello"));
        assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MessageCodecs.encode(null));
    }

    private static String sha256Hex(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
