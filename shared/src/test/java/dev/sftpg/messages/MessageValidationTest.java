package dev.sftpg.messages;

import dev.sftpg.checkpoint.LearnerState;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Each record refuses invalid values at construction, with a message naming the field, so bugs fail at the sender. */
class MessageValidationTest {

    private static final String SHA = "0".repeat(64);
    private static final float[] FOUR = {1, 2, 3, 4};
    private static final int[] P2 = {2};

    static Arguments bad(String fragment, Executable construct) {
        return arguments(fragment, construct);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                // TrajectoryBatch
                bad("steps must be >= 1", () -> new TrajectoryBatch(0, "w", 0, 0, 1, P2, new float[2])),
                bad("batch must be >= 1", () -> new TrajectoryBatch(0, "w", 0, 1, 0, P2, new float[0])),
                bad("sampleShape must have 1..8 dims", () -> new TrajectoryBatch(0, "w", 0, 1, 1, new int[0], FOUR)),
                bad("sampleShape dims must be positive", () -> new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{2, 0}, FOUR)),
                bad("sampleShape dims must be positive", () -> new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{-2}, FOUR)),
                bad("more than 2^31-1 elements", () -> new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{65536, 65536}, FOUR)),
                bad("sampleShape is null", () -> new TrajectoryBatch(0, "w", 0, 1, 1, null, FOUR)),
                bad("shape mismatch: states has 3 values", () -> new TrajectoryBatch(0, "w", 0, 1, 1, P2, new float[3])),
                bad("shape mismatch: states has 4 values", () -> new TrajectoryBatch(0, "w", 0, 1, 1, new int[]{3, 28, 28}, FOUR)),
                bad("needs more than 2^63", () -> new TrajectoryBatch(0, "w", 0, Integer.MAX_VALUE, Integer.MAX_VALUE,
                        new int[]{Integer.MAX_VALUE}, FOUR)),
                bad("states is null", () -> new TrajectoryBatch(0, "w", 0, 1, 1, P2, null)),
                bad("workerId is null", () -> new TrajectoryBatch(0, null, 0, 1, 1, P2, FOUR)),
                bad("workerId is blank", () -> new TrajectoryBatch(0, " \t", 0, 1, 1, P2, FOUR)),
                bad("workerId is 1025 UTF-8 bytes", () -> new TrajectoryBatch(0, "é".repeat(512) + "x", 0, 1, 1, P2, FOUR)),
                bad("workerId is not well-formed Unicode", () -> new TrajectoryBatch(0, "w\uD800", 0, 1, 1, P2, FOUR)),
                bad("policyVersion must be >= 0", () -> new TrajectoryBatch(-1, "w", 0, 1, 1, P2, FOUR)),
                bad("sequence must be >= 0", () -> new TrajectoryBatch(0, "w", -1, 1, 1, P2, FOUR)),
                bad("non-finite value NaN in states at index 2",
                        () -> new TrajectoryBatch(0, "w", 0, 1, 1, P2, new float[]{1, 2, Float.NaN, 4})),
                bad("non-finite value Infinity in states",
                        () -> new TrajectoryBatch(0, "w", 0, 1, 1, P2, new float[]{1, 2, 3, Float.POSITIVE_INFINITY})),
                bad("need at least 2 states", () -> TrajectoryBatch.of(0, "w", 0, P2, new float[][]{FOUR})),
                bad("state 1 has 2 values", () -> TrajectoryBatch.of(0, "w", 0, P2, new float[][]{FOUR, {1, 2}})),
                bad("not a positive multiple of sampleSize 2", () -> TrajectoryBatch.of(0, "w", 0, P2, new float[][]{{1, 2, 3}, {1, 2, 3}})),
                // PolicyWeights / PolicyVersion
                bad("sha256 mismatch", () -> new PolicyWeights(1, FOUR, SHA)),
                bad("corrupt or tampered", () -> {
                    PolicyWeights w = PolicyWeights.of(1, FOUR);
                    new PolicyWeights(1, new float[]{1, 2, 3, 4.0000005f}, w.sha256());
                }),
                bad("sha256 must be 64 lowercase hex digits", () -> new PolicyWeights(1, FOUR, SHA.toUpperCase().replace('0', 'A'))),
                bad("sha256 must be 64 lowercase hex digits", () -> new PolicyWeights(1, FOUR, "abc")),
                bad("sha256 is null", () -> new PolicyVersion(1, 1, null)),
                bad("params is empty", () -> PolicyWeights.of(1, new float[0])),
                bad("params is null", () -> PolicyWeights.of(1, null)),
                bad("non-finite value NaN in params at index 0", () -> PolicyWeights.of(1, new float[]{Float.NaN})),
                bad("version must be >= 0", () -> PolicyWeights.of(-1, FOUR)),
                bad("parameterCount must be >= 1", () -> new PolicyVersion(1, 0, SHA)),
                bad("version must be >= 0", () -> new PolicyVersion(-3, 1, SHA)),
                // ScoreQuery / ScoreReply
                bad("n must be >= 1", () -> new ScoreQuery(1, 0, P2, new float[0], null)),
                bad("shape mismatch: points has 4 values but n=3", () -> new ScoreQuery(1, 3, P2, FOUR, null)),
                bad("shape mismatch: steps has 1 entries for n=2", () -> new ScoreQuery(1, 2, P2, FOUR, new int[]{1})),
                bad("steps[1] must be >= 0", () -> new ScoreQuery(1, 2, P2, FOUR, new int[]{1, -1})),
                bad("non-finite value -Infinity in points",
                        () -> ScoreQuery.critic(1, P2, new float[]{1, Float.NEGATIVE_INFINITY})),
                bad("steps is null: a value query needs a step per row", () -> ScoreQuery.value(1, P2, FOUR, null)),
                bad("not a positive multiple of sampleSize 2", () -> ScoreQuery.critic(1, P2, new float[3])),
                bad("values is empty", () -> new ScoreReply(1, new float[0])),
                bad("non-finite value NaN in values", () -> new ScoreReply(1, new float[]{Float.NaN})),
                // CouplingGradient
                bad("shape mismatch: gradient has 1 values but criticTargets has 2",
                        () -> new CouplingGradient("w", 0, new float[]{1, 2}, new float[]{1}, 0)),
                bad("criticTargets is empty", () -> new CouplingGradient("w", 0, new float[0], new float[0], 0)),
                bad("non-finite value NaN in gradient at index 1",
                        () -> new CouplingGradient("w", 0, new float[]{1, 2}, new float[]{1, Float.NaN}, 0)),
                bad("non-finite value Infinity in valueLoss",
                        () -> new CouplingGradient("w", 0, new float[]{1}, new float[]{1}, Double.POSITIVE_INFINITY)),
                bad("workerId is blank", () -> new CouplingGradient("", 0, new float[]{1}, new float[]{1}, 0)),
                // Credit
                bad("credits must be >= 1", () -> new Credit("w", 0)),
                bad("credits must be >= 1", () -> new Credit("w", -4)),
                bad("workerId is null", () -> new Credit(null, 1)),
                // MetricsReport
                bad("invalid JSON in json", () -> new MetricsReport("s", 0, "{\"a\":")),
                bad("invalid JSON in json", () -> new MetricsReport("s", 0, "{} {}")),
                bad("invalid JSON in json", () -> new MetricsReport("s", 0, "{\"x\": NaN}")),
                bad("expected an object, got array", () -> new MetricsReport("s", 0, "[1,2]")),
                bad("expected an object, got number", () -> new MetricsReport("s", 0, "3")),
                bad("expected an object, got nothing", () -> new MetricsReport("s", 0, "")),
                bad("json is null", () -> new MetricsReport("s", 0, null)),
                bad("over the 1048576-byte limit", () -> new MetricsReport("s", 0, "{\"a\":\"" + "x".repeat(1 << 20) + "\"}")),
                bad("timestampMillis must be >= 0", () -> new MetricsReport("s", -1, "{}")),
                bad("source is blank", () -> new MetricsReport("", 0, "{}")),
                bad("non-finite value NaN in tensor params at index 1",
                        () -> new LearnerState("value", "{}", java.util.Map.of("params", new float[]{1f, Float.NaN}))),
                bad("json must be an object", () -> new LearnerState("value", "[1]", java.util.Map.of())),
                bad("tensor name is blank", () -> new LearnerState("value", "{}", java.util.Map.of(" ", new float[]{1f}))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidRecordIsRefused(String fragment, Executable construct) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct);
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
    }
}
