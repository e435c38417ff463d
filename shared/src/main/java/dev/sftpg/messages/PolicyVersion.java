package dev.sftpg.messages;

import dev.sftpg.util.Fields;
/**
 * Announces that the policy at {@code version} exists. Published to every worker instead of the weights themselves,
 * so a fan-out costs a few dozen bytes per worker; each worker then requests the {@link PolicyWeights} when it is
 * ready and can check with {@link #matches} that it got the announced blob and not a stale or foreign one.
 */
public record PolicyVersion(long version, int parameterCount, String sha256) {

    public PolicyVersion {
        Fields.nonNegative("version", version);
        Fields.atLeast("parameterCount", parameterCount, 1);
        Fields.sha256Hex("sha256", sha256);
    }

    /** Whether {@code weights} are exactly the weights announced here. */
    public boolean matches(PolicyWeights weights) {
        return weights != null && weights.version() == version && weights.parameterCount() == parameterCount
                && weights.sha256().equals(sha256);
    }
}
