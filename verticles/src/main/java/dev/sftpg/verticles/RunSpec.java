package dev.sftpg.verticles;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.SampleShape;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.verticles.bus.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;


/**
 * What every process of a run must agree on: the resolved configuration, the samples' shape, the run id and the
 * incarnation (the coordinator's start time, newer for each resume), whose addresses the run's messages travel on.
 * The coordinator serves it on {@link Addresses#RUN_INFO}; a joining worker builds its verticles from it.
 */
public record RunSpec(String runId, long incarnation, Config config, SampleShape shape) {

    /** The run's cluster: {@code cluster.name}, else one of its own, {@code sftpg-<run id>}. */
    public static String clusterName(Config config, String runId) {
        String named = config.get(dev.sftpg.config.ConfigSchema.CLUSTER_NAME);
        return named.isEmpty() ? "sftpg-" + runId : named;
    }

    /** The addresses of this incarnation of the run. */
    public Addresses addresses() {
        return new Addresses(runId, incarnation);
    }

    public SftPgSetup setup() {
        return new SftPgSetup(config, shape);
    }

    public JsonObject toJson() {
        return new JsonObject().put("runId", runId).put("incarnation", incarnation).put("shape", new JsonArray(Arrays.stream(shape.dims()).boxed().toList()))
                .put("config", config.toJson());
    }

    public static RunSpec fromJson(JsonObject json) {
        Config config = ConfigLoader.fromJsonText(json.getString("config"), "the run's configuration");
        JsonArray dims = json.getJsonArray("shape");
        return new RunSpec(json.getString("runId"), json.getLong("incarnation"), config, SampleShape.of(dims.stream().mapToInt(d -> ((Number) d).intValue()).toArray()));
    }
}
