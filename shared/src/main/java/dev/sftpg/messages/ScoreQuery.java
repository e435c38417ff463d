package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import java.util.Arrays;
import java.util.Objects;

/**
 * Asks for one scalar per row of {@code points}: from the critic when {@code steps} is {@code null} (rows are final
 * samples), or from the value network when {@code steps[r]} gives the trajectory step index of row r (rows are
 * intermediate states, and the value depends on how far along they are). One message type for both because the
 * two services answer the same way; the absent steps array is what routes it, so a query can never be sent to
 * the value network without its steps.
 *
 * <p>{@code id} correlates the {@link ScoreReply}; it is the caller's choice and may be any value. Immutable:
 * arrays are copied on the way in and out.
 */
public record ScoreQuery(long id, int n, int[] sampleShape, float[] points, int[] steps) {

    public ScoreQuery {
        Fields.atLeast("n", n, 1);
        sampleShape = Fields.shape("sampleShape", sampleShape);
        if (points == null) throw new IllegalArgumentException("points is null");
        long expected = Fields.product(n, Fields.elementCount(sampleShape));
        if (points.length != expected) {
            throw new IllegalArgumentException("shape mismatch: points has " + points.length + " values but n=" + n
                    + " x sampleShape " + Arrays.toString(sampleShape) + " needs " + expected);
        }
        points = Fields.finiteCopy("points", points);
        if (steps != null) {
            steps = steps.clone();
            if (steps.length != n) {
                throw new IllegalArgumentException("shape mismatch: steps has " + steps.length + " entries for n=" + n + " rows");
            }
            for (int r = 0; r < n; r++) {
                if (steps[r] < 0) throw new IllegalArgumentException("steps[" + r + "] must be >= 0, got " + steps[r]);
            }
        }
    }

    /** A critic query; n follows from the points. */
    public static ScoreQuery critic(long id, int[] sampleShape, float[] points) {
        return new ScoreQuery(id, rows(sampleShape, points), sampleShape, points, null);
    }

    /** A value-network query; n follows from the points. */
    public static ScoreQuery value(long id, int[] sampleShape, float[] points, int[] steps) {
        if (steps == null) throw new IllegalArgumentException("steps is null: a value query needs a step per row");
        return new ScoreQuery(id, rows(sampleShape, points), sampleShape, points, steps);
    }

    private static int rows(int[] sampleShape, float[] points) {
        int size = Fields.elementCount(Fields.shape("sampleShape", sampleShape));
        if (points == null) throw new IllegalArgumentException("points is null");
        if (points.length == 0 || points.length % size != 0) {
            throw new IllegalArgumentException("shape mismatch: " + points.length + " values is not a positive multiple of "
                    + "sampleSize " + size);
        }
        return points.length / size;
    }

    /** True for the value network, false for the critic. */
    public boolean isValueQuery() {
        return steps != null;
    }

    public int sampleSize() {
        return Fields.elementCount(sampleShape);
    }

    /** The answer to this query; checks there is exactly one value per row so a short reply fails at the sender. */
    public ScoreReply reply(float[] values) {
        if (values != null && values.length != n) {
            throw new IllegalArgumentException("shape mismatch: reply has " + values.length + " values for n=" + n + " rows");
        }
        return new ScoreReply(id, values);
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public float[] points() {
        return points.clone();
    }

    /** A copy of the per-row step indices, or {@code null} for a critic query. */
    @Override
    public int[] steps() {
        return steps == null ? null : steps.clone();
    }

    float[] pointsUnsafe() {
        return points;
    }

    int[] stepsUnsafe() {
        return steps;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoreQuery q && id == q.id && n == q.n && Arrays.equals(sampleShape, q.sampleShape)
                && Arrays.equals(points, q.points) && Arrays.equals(steps, q.steps);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, n, Arrays.hashCode(sampleShape), Arrays.hashCode(points), Arrays.hashCode(steps));
    }

    @Override
    public String toString() {
        return "ScoreQuery[id=" + id + ", n=" + n + ", sampleShape=" + Arrays.toString(sampleShape) + ", points="
                + Fields.describe(points) + ", steps=" + (steps == null ? "null (critic)" : "int[" + steps.length + "]") + "]";
    }
}
