package dev.sftpg.verticles.coordinator;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;

/** What the coordinator takes from the configuration, resolved once by the wiring. */
public record CoordinatorSettings(int evalEvery, int evalN, int finalEvalN, int finalEvalSeeds, int checkpointEvery,
                                  int keepCheckpoints, double maxMinutes, int maxGeneratorSteps, long learnerTimeoutMillis,
                                  double nanLrFactor, double collapseFactor, double collapseLrFactor, double policyLr, double criticLr, double valueLr) {

    public static CoordinatorSettings from(Config config) {
        return new CoordinatorSettings(config.get(ConfigSchema.TRAIN_EVAL_EVERY), config.get(ConfigSchema.TRAIN_EVAL_N),
                config.get(ConfigSchema.EVAL_N), config.get(ConfigSchema.EVAL_SEEDS), config.get(ConfigSchema.TRAIN_CHECKPOINT_EVERY),
                config.get(ConfigSchema.TRAIN_KEEP_CHECKPOINTS), config.get(ConfigSchema.TRAIN_MAX_MINUTES),
                config.get(ConfigSchema.TRAIN_MAX_GENERATOR_STEPS), (long) (config.get(ConfigSchema.TRAIN_LEARNER_TIMEOUT) * 1000),
                config.get(ConfigSchema.TRAIN_NAN_LR_FACTOR), config.get(ConfigSchema.TRAIN_COLLAPSE_FACTOR),
                config.get(ConfigSchema.TRAIN_COLLAPSE_LR_FACTOR), config.get(ConfigSchema.FINETUNE_LR),
                config.get(ConfigSchema.FINETUNE_CRITIC_LR), config.get(ConfigSchema.FINETUNE_VALUE_LR));
    }

    /** A learner's configured learning rate, before any rollback lowered it. */
    public double baseLr(String learner) {
        return switch (learner) {
            case "generator" -> policyLr;
            case "discriminator" -> criticLr;
            default -> valueLr;
        };
    }
}
