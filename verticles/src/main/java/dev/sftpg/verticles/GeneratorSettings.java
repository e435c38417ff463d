package dev.sftpg.verticles;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;

/**
 * What the generator takes from the configuration, resolved once by the wiring.
 *
 * @param maxLag       batches made by a policy more than this many versions old do not train the policy
 * @param credits      batches each rollout worker may have in flight
 * @param clusterName  the run's cluster, named when no rollout worker is left
 */
public record GeneratorSettings(int maxLag, int credits, long workerTimeoutMillis, int nanRollbackAfter, String clusterName) {

    public static GeneratorSettings from(Config config, String runId) {
        return new GeneratorSettings(config.get(ConfigSchema.FINETUNE_MAX_POLICY_LAG), config.get(ConfigSchema.TRAIN_CREDITS),
                (long) (config.get(ConfigSchema.TRAIN_WORKER_TIMEOUT) * 1000), config.get(ConfigSchema.TRAIN_NAN_ROLLBACK_AFTER),
                runId == null ? null : RunSpec.clusterName(config, runId));
    }
}
