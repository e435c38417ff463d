package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import java.util.Arrays;
import java.util.Objects;

/**
 * The full parameter vector of the policy at {@code version}, fetched by rollout workers after a
 * {@link PolicyVersion} announcement. The SHA-256 ties the blob to the announcement end to end: the frame CRC only
 * guards one hop, while the digest proves that the weights a worker samples with are exactly the ones the learner
 * published, whichever relay or cache they came through.
 *
 * <p>The constructor recomputes the digest and refuses a mismatch, so no instance with wrong weights can exist; the
 * decoder relies on this to reject corrupt blobs. Use {@link #of} to create one from fresh parameters.
 * Immutable: {@code params} is copied on the way in and out; call {@link #params()} once per use.
 */
public record PolicyWeights(long version, float[] params, String sha256) {

    public PolicyWeights {
        Fields.nonNegative("version", version);
        params = Fields.finiteCopy("params", params);
        if (params.length == 0) throw new IllegalArgumentException("params is empty");
        Fields.sha256Hex("sha256", sha256);
        String actual = Fields.sha256Of(params);
        if (!actual.equals(sha256)) {
            throw new IllegalArgumentException("sha256 mismatch for version " + version + ": params hash to " + actual
                    + " but sha256 says " + sha256 + " (corrupt or tampered weights)");
        }
    }

    /**
     * Weights with their digest computed here. The digest is taken over the SHA-256 of the values as big-endian
     * IEEE-754 bytes (the wire encoding), so any tool can check it from a raw message.
     */
    public static PolicyWeights of(long version, float[] params) {
        if (params == null) throw new IllegalArgumentException("params is null");
        return new PolicyWeights(version, params, Fields.sha256Of(params));
    }

    public int parameterCount() {
        return params.length;
    }

    /** The small message that tells workers this version exists, without shipping the weights to all of them. */
    public PolicyVersion announcement() {
        return new PolicyVersion(version, params.length, sha256);
    }

    @Override
    public float[] params() {
        return params.clone();
    }

    /** The internal array, for the codec only. */
    float[] paramsUnsafe() {
        return params;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyWeights w && version == w.version && sha256.equals(w.sha256)
                && Arrays.equals(params, w.params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, sha256);
    }

    @Override
    public String toString() {
        return "PolicyWeights[version=" + version + ", params=" + Fields.describe(params) + ", sha256=" + sha256 + "]";
    }
}
