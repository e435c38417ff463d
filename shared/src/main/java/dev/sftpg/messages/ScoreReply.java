package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import java.util.Arrays;
import java.util.Objects;

/**
 * One scalar per row of the {@link ScoreQuery} with the same {@code id}. Non-finite scores are refused here, at the
 * scorer, because a NaN critic value would otherwise become a NaN reward and then NaN policy weights everywhere.
 * Immutable: {@code values} is copied on the way in and out.
 */
public record ScoreReply(long id, float[] values) {

    public ScoreReply {
        values = Fields.finiteCopy("values", values);
        if (values.length == 0) throw new IllegalArgumentException("values is empty");
    }

    @Override
    public float[] values() {
        return values.clone();
    }

    float[] valuesUnsafe() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoreReply r && id == r.id && Arrays.equals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "ScoreReply[id=" + id + ", values=" + Fields.describe(values) + "]";
    }
}
