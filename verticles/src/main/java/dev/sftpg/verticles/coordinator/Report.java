package dev.sftpg.verticles.coordinator;

import dev.sftpg.io.AtomicFiles;
import dev.sftpg.checkpoint.LearnerState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The run's {@code report.json}: what the run reached, what it cost, and where it came from. */
public final class Report {
    private Report() {
    }

    /** How the run ended, as the coordinator knows it. */
    public record Ending(String runId, String preset, String sampler, String reason, boolean failed, double wallSeconds,
                         long generatorSteps, JsonObject finalScore, JsonObject provenance) {
    }

    /**
     * Builds the report. Counters come from the final cut when there is one (exact, and a worker killed between its
     * own metrics snapshots still counts every batch that reached the learners), else from the last metrics snapshots.
     *
     * @param latest   every verticle's newest metrics snapshot, by source
     * @param lastCut  the learners' states at the latest step checkpoint, or empty
     */
    public static JsonObject build(Ending end, CoordinatorState state, Map<String, JsonObject> latest,
                                   Map<String, LearnerState> lastCut) {
        JsonObject gen = latest.getOrDefault("generator", new JsonObject());
        JsonObject disc = latest.getOrDefault("discriminator", new JsonObject());
        JsonObject cutGen = lastCut.containsKey("generator") ? new JsonObject(lastCut.get("generator").json()) : null;
        JsonObject workers = cutGen != null ? cutGen.getJsonObject("workers", new JsonObject()) : gen.getJsonObject("workers", new JsonObject());
        JsonObject perWorker = new JsonObject();
        long rollouts = 0, rejected = 0;
        for (String w : workers.fieldNames()) {
            long b = workers.getJsonObject(w).getLong("batches", 0L);
            perWorker.put(w, b);
            rollouts += b;
        }
        for (JsonObject m : latest.values()) rejected += m.getLong("rejectedMessages", 0L);
        double wall = end.wallSeconds();
        long criticSteps = lastCut.containsKey("discriminator") ? lastCut.get("discriminator").counters().path("steps").asLong()
                : disc.getLong("criticSteps", 0L);
        return new JsonObject()
                .put("runId", end.runId()).put("preset", end.preset()).put("stopReason", end.reason())
                .put("sampler", end.sampler()).put("metric", state.metric())
                .put("init", state.initial).put("final", end.finalScore())
                .put("wallSeconds", wall)
                .put("rollouts", rollouts).put("criticSteps", criticSteps)
                .put("generatorSteps", end.generatorSteps())
                .put("criticStepsPerSecond", criticSteps / Math.max(1e-9, wall))
                .put("perWorkerBatches", perWorker)
                .put("droppedForPolicyLag", cutGen != null ? cutGen.getLong("dropped", 0L) : gen.getLong("droppedForPolicyLag", 0L))
                .put("rejectedMessages", rejected)
                .put("checkpoints", new JsonArray(state.checkpoints))
                .put("failed", end.failed()).put("rollbacks", state.rollbacks).put("lrScale", state.lrScale)
                .put("workersLost", gen.getLong("workersLost", 0L)).put("lostBatches", disc.getLong("lostBatches", 0L))
                .put("best", state.best == null ? null : state.best.copy().put("checkpoint", "best"))
                .put("curve", state.curve)
                .put("provenance", end.provenance());
    }

    public static void write(Path runDir, JsonObject report) throws IOException {
        AtomicFiles.writeString(runDir.resolve("report.json"), report.encodePrettily() + "\n");
    }
}
