package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import java.util.Arrays;
import java.util.Objects;

/**
 * The S+1 states x_0 (initial noise) .. x_S (the sample) of {@code batch} trajectories from one rollout worker,
 * sampled with the policy weights of {@code policyVersion}. The learner needs every intermediate state, not just the
 * samples, because the policy gradient is taken over each transition's log-probability; and it needs the version
 * because a batch from stale weights must be weighted or dropped, not trained on as if fresh.
 *
 * <p>{@code states} is state-major, {@code ((i * batch) + r) * sampleSize + j} for state i, row r, element j, so one
 * state of the whole batch is a contiguous slice that maps straight onto a {@code [batch, ...sampleShape]} tensor.
 * {@code (workerId, sequence)} identifies the batch across the cluster, e.g. to pair it with its
 * {@link CouplingGradient} or to drop a duplicate after a redelivery.
 *
 * <p>Immutable: arrays are copied on the way in and out, because one instance may be handed to several local
 * consumers at once. Call {@link #states()} once and keep the result rather than calling it in a loop.
 */
public record TrajectoryBatch(long policyVersion, String workerId, long sequence, int steps, int batch,
                              int[] sampleShape, float[] states) {

    public TrajectoryBatch {
        Fields.nonNegative("policyVersion", policyVersion);
        Fields.id("workerId", workerId);
        Fields.nonNegative("sequence", sequence);
        Fields.atLeast("steps", steps, 1);
        Fields.atLeast("batch", batch, 1);
        sampleShape = Fields.shape("sampleShape", sampleShape);
        if (states == null) throw new IllegalArgumentException("states is null");
        int sampleSize = Fields.elementCount(sampleShape);
        long expected = Fields.product(steps + 1L, batch, sampleSize);
        if (states.length != expected) {
            throw new IllegalArgumentException("shape mismatch: states has " + states.length + " values but (steps+1)="
                    + (steps + 1L) + " x batch=" + batch + " x sampleShape " + Arrays.toString(sampleShape)
                    + " needs " + (expected < 0 ? "more than 2^63" : String.valueOf(expected)));
        }
        states = Fields.finiteCopy("states", states);
    }

    /**
     * Builds a batch from one array per state, as a sampler produces them step by step, so the caller never does the
     * state-major index arithmetic itself. Steps and batch size follow from the arrays.
     *
     * @param perState {@code perState[i]} is state i of the whole batch, {@code batch * sampleSize} values,
     *                 i = 0 (noise) .. S (sample); at least two states
     */
    public static TrajectoryBatch of(long policyVersion, String workerId, long sequence, int[] sampleShape,
                                     float[][] perState) {
        if (perState == null) throw new IllegalArgumentException("perState is null");
        if (perState.length < 2) {
            throw new IllegalArgumentException("need at least 2 states (noise and sample), got " + perState.length);
        }
        int sampleSize = Fields.elementCount(Fields.shape("sampleShape", sampleShape));
        if (perState[0] == null) throw new IllegalArgumentException("state 0 is null");
        int width = perState[0].length;
        if (width == 0 || width % sampleSize != 0) {
            throw new IllegalArgumentException("shape mismatch: state 0 has " + width + " values, not a positive multiple of "
                    + "sampleSize " + sampleSize);
        }
        long total = Fields.product(perState.length, width);
        if (total < 0 || total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("trajectory of " + perState.length + " x " + width + " values is too large for one array");
        }
        float[] all = new float[(int) total];
        for (int i = 0; i < perState.length; i++) {
            if (perState[i] == null || perState[i].length != width) {
                throw new IllegalArgumentException("shape mismatch: state " + i + " has "
                        + (perState[i] == null ? "no" : String.valueOf(perState[i].length)) + " values, state 0 has " + width);
            }
            System.arraycopy(perState[i], 0, all, i * width, width);
        }
        return new TrajectoryBatch(policyVersion, workerId, sequence, perState.length - 1, width / sampleSize,
                sampleShape, all);
    }

    /** Values per sample: the product of {@link #sampleShape()}. */
    public int sampleSize() {
        return Fields.elementCount(sampleShape);
    }

    /** S + 1: the noise, every intermediate state and the sample. */
    public int stateCount() {
        return steps + 1;
    }

    /** A copy of state i (0 = noise, {@code steps} = sample) for the whole batch, {@code batch * sampleSize} values. */
    public float[] state(int i) {
        Objects.checkIndex(i, stateCount());
        int width = batch * sampleSize();
        return Arrays.copyOfRange(states, i * width, (i + 1) * width);
    }

    /** A copy of the samples x_S, the only part the critic scores. */
    public float[] finalStates() {
        return state(steps);
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public float[] states() {
        return states.clone();
    }

    /** The internal array, for the codec only: encoding must not pay for a defensive copy. */
    float[] statesUnsafe() {
        return states;
    }

    /** Bit-exact on the floats (so -0.0 differs from 0.0), which is what a round-trip test needs. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TrajectoryBatch t && policyVersion == t.policyVersion && sequence == t.sequence
                && steps == t.steps && batch == t.batch && workerId.equals(t.workerId)
                && Arrays.equals(sampleShape, t.sampleShape) && Arrays.equals(states, t.states);
    }

    @Override
    public int hashCode() {
        return Objects.hash(policyVersion, workerId, sequence, steps, batch, Arrays.hashCode(sampleShape),
                Arrays.hashCode(states));
    }

    @Override
    public String toString() {
        return "TrajectoryBatch[policyVersion=" + policyVersion + ", workerId=" + workerId + ", sequence=" + sequence
                + ", steps=" + steps + ", batch=" + batch + ", sampleShape=" + Arrays.toString(sampleShape)
                + ", states=" + Fields.describe(states) + "]";
    }
}
