package dev.sftpg.verticles;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;

/** What the critic and value learners take from the configuration, resolved once by the wiring. */
public record LearnerSettings(int nanRollbackAfter) {

    public static LearnerSettings from(Config config) {
        return new LearnerSettings(config.get(ConfigSchema.TRAIN_NAN_ROLLBACK_AFTER));
    }
}
