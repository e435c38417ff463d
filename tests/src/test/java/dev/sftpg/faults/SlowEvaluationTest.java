package dev.sftpg.faults;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Periodic evaluations that each take longer than the worker timeout: they run off the coordinator's thread, so its
 * heartbeat and metrics go on meanwhile, no rollout worker is declared lost, and every evaluation reaches the curve,
 * in version order, before the report is written.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SlowEvaluationTest {

    @Test
    void evaluationsLongerThanTheWorkerTimeoutLoseNoWorkerAndNoHeartbeat(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-se-" + ProcessHandle.current().pid();
        String[] args = Faults.runArgs(runDir, cluster, 5981, "train.workerTimeout=1", "train.evalEvery=15",
                "train.evalN=80000", "train.maxGeneratorSteps=45", "train.checkpointEvery=15");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = Faults.inBackground(args, err);
        assertEquals(0, run.get(4, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));

        List<JsonObject> lines = new ArrayList<>();
        for (String line : Files.readString(runDir.resolve("metrics.jsonl")).split("\n"))
            if (!line.isBlank()) lines.add(new JsonObject(line));
        List<JsonObject> evals = lines.stream().filter(l -> "eval".equals(l.getString("event"))).toList();
        // the budget's end at 45 is scored by the final evaluation instead of a periodic one
        assertEquals(2, evals.size(), "periodic evaluations at versions 15 and 30");
        for (JsonObject e : evals)
            assertTrue(e.getDouble("evaluationSeconds") > 1.5, "each evaluation outlasts the 1 s worker timeout: " + e.encode());

        // the coordinator's own metrics snapshot, from the same timer thread as its heartbeat, never paused
        long previous = -1, widest = 0;
        for (JsonObject l : lines) {
            if (!"metrics".equals(l.getString("event")) || !"coordinator".equals(l.getString("source"))) continue;
            long t = l.getJsonObject("metrics").getLong("time");
            if (previous >= 0) widest = Math.max(widest, t - previous);
            previous = t;
        }
        long evaluating = (long) (1000 * evals.stream().mapToDouble(e -> e.getDouble("evaluationSeconds")).sum());
        assertTrue(widest < 1900, "widest gap between coordinator heartbeats " + widest + " ms over " + evaluating
                + " ms of evaluations");

        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        assertEquals(0, report.getLong("workersLost"), report.encode());
        assertFalse(err.toString(StandardCharsets.UTF_8).contains(" lost"), err.toString(StandardCharsets.UTF_8));
        JsonArray curve = report.getJsonArray("curve");
        assertEquals(3, curve.size(), "15 and 30, then the final evaluation's 45: " + curve.encode());
        for (int i = 0; i < curve.size(); i++)
            assertEquals(15L * (i + 1), curve.getJsonObject(i).getLong("generatorStep"), "in version order: " + curve.encode());
        assertEquals(45, report.getLong("generatorSteps"));
        assertTrue(report.getJsonObject("final").getJsonObject("swd").getDouble("mean") > 0, "the final evaluation completed");
        assertTrue(Files.isRegularFile(runDir.resolve("checkpoints").resolve("best").resolve("state.sftpg")));
        JsonObject provenance = report.getJsonObject("provenance");
        assertEquals(64, provenance.getString("pretrainedSha256").length(), provenance.encode());
        assertNotNull(provenance.getString("codeVersion"));
        assertFalse(provenance.getString("configHash").isEmpty());
    }
}
