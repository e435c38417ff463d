package dev.sftpg.verticles;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.finetune.SftPgSetup;
import io.vertx.core.json.JsonObject;


/**
 * What every process of a run must agree on: the resolved configuration, the data dimension and the run id.
 * The coordinator serves it on {@code sftpg.run.info}; a joining worker builds its verticles from it.
 */
public record RunSpec(String runId, Config config, int dim) {

    /** The run's cluster: {@code cluster.name}, else one of its own, {@code sftpg-<run id>}. */
    public static String clusterName(Config config, String runId) {
        String named = config.get(dev.sftpg.config.ConfigSchema.CLUSTER_NAME);
        return named.isEmpty() ? "sftpg-" + runId : named;
    }

    public SftPgSetup setup() {
        return new SftPgSetup(config, dim);
    }

    public JsonObject toJson() {
        return new JsonObject().put("runId", runId).put("dim", dim).put("config", config.toJson());
    }

    public static RunSpec fromJson(JsonObject json) {
        Config config = ConfigLoader.fromJsonText(json.getString("config"), "the run's configuration");
        return new RunSpec(json.getString("runId"), config, json.getInteger("dim"));
    }
}
