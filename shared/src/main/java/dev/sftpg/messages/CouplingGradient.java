package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import java.util.Arrays;
import java.util.Objects;

/**
 * Sent by the value learner back to the critic for one {@link TrajectoryBatch} (matched by
 * {@code (workerId, sequence)}): the critic targets it used and, per final sample, the gradient of the value loss
 * with respect to the critic output f(x0). The critic and the value network are coupled through these targets, and
 * this message is how the critic learns from that coupling without the two sharing a process or parameters.
 * Immutable: arrays are copied on the way in and out.
 */
public record CouplingGradient(String workerId, long sequence, float[] criticTargets, float[] gradient,
                               double valueLoss) {

    public CouplingGradient {
        Fields.id("workerId", workerId);
        Fields.nonNegative("sequence", sequence);
        criticTargets = Fields.finiteCopy("criticTargets", criticTargets);
        if (criticTargets.length == 0) throw new IllegalArgumentException("criticTargets is empty");
        gradient = Fields.finiteCopy("gradient", gradient);
        if (gradient.length != criticTargets.length) {
            throw new IllegalArgumentException("shape mismatch: gradient has " + gradient.length
                    + " values but criticTargets has " + criticTargets.length + " (one per final sample)");
        }
        Fields.finite("valueLoss", valueLoss);
    }

    /** Number of final samples (the trajectory batch size). */
    public int batch() {
        return criticTargets.length;
    }

    @Override
    public float[] criticTargets() {
        return criticTargets.clone();
    }

    @Override
    public float[] gradient() {
        return gradient.clone();
    }

    float[] criticTargetsUnsafe() {
        return criticTargets;
    }

    float[] gradientUnsafe() {
        return gradient;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CouplingGradient g && sequence == g.sequence && workerId.equals(g.workerId)
                && Double.doubleToLongBits(valueLoss) == Double.doubleToLongBits(g.valueLoss)
                && Arrays.equals(criticTargets, g.criticTargets) && Arrays.equals(gradient, g.gradient);
    }

    @Override
    public int hashCode() {
        return Objects.hash(workerId, sequence, Arrays.hashCode(criticTargets), Arrays.hashCode(gradient), valueLoss);
    }

    @Override
    public String toString() {
        return "CouplingGradient[workerId=" + workerId + ", sequence=" + sequence + ", criticTargets="
                + Fields.describe(criticTargets) + ", gradient=" + Fields.describe(gradient) + ", valueLoss=" + valueLoss + "]";
    }
}
