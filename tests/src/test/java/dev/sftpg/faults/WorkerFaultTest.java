package dev.sftpg.faults;

import dev.sftpg.cli.Main;
import dev.sftpg.cluster.TinyModels;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Rollout workers as separate JVMs on loopback, against a run with none of its own: the run waits for one and says
 * so; a worker joins and its batches reach the generator; it is SIGKILLed mid-run, declared lost within the worker
 * timeout with its credit recovered, and the run waits again; a second worker joins, fetches the current weights and
 * training goes on to the budget.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class WorkerFaultTest {

    @Test
    void aKilledWorkerIsDetectedItsCreditsRecoveredAndANewOneTakesOver(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-wf-" + ProcessHandle.current().pid();
        String[] args = Faults.runArgs(runDir, cluster, 5821, "train.rolloutWorkers=0", "train.workerTimeout=3",
                "train.maxMinutes=1.75", "finetune.maxPolicyLag=2");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = Faults.inBackground(args, err);
        Path metrics = runDir.resolve("metrics.jsonl");
        Faults.waitFor(() -> Faults.lastMetrics(metrics, "generator").containsKey("liveWorkers"), 120, "the run to start", err);
        assertEquals(0, Faults.lastMetrics(metrics, "generator").getLong("policyVersion"), "no worker, no progress");

        Path logA = dir.resolve("worker-a.log");
        Process a = Faults.start(logA, "worker", "--role", "rollout", "--cluster-name", cluster, "--port", "5821", "--join-timeout", "90");
        String idA = "w" + a.pid() + "-0";
        try {
            Faults.waitFor(() -> batches(metrics, idA) > 10, 90, "worker A's batches to reach the generator", logA);
        } finally {
            Faults.kill(a);
        }
        Faults.waitFor(() -> Faults.lastMetrics(metrics, "generator").getLong("workersLost", 0L) == 1, 30,
                "worker A to be declared lost", err);
        JsonObject afterLoss = Faults.lastMetrics(metrics, "generator");
        assertEquals(0, afterLoss.getLong("liveWorkers"), afterLoss.encode());
        assertEquals(0, afterLoss.getLong("creditsInFlight"), "the dead worker's credits are recovered: " + afterLoss.encode());
        assertTrue(afterLoss.getJsonObject("workers").getJsonObject(idA).getBoolean("lost"), afterLoss.encode());
        long versionWithoutWorkers = afterLoss.getLong("policyVersion");

        Path logB = dir.resolve("worker-b.log");
        Process b = Faults.start(logB, "worker", "--role", "rollout", "--cluster-name", cluster, "--port", "5821", "--join-timeout", "90");
        String idB = "w" + b.pid() + "-0";
        try {
            Faults.waitFor(() -> batches(metrics, idB) > 10 && Faults.lastMetrics(metrics, "generator").getLong("policyVersion")
                    > versionWithoutWorkers + 2, 90, "worker B to take over", logB);
            assertEquals(0, run.get(4, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
            assertTrue(b.waitFor(60, TimeUnit.SECONDS), "worker B leaves when the run stops");
            assertEquals(0, b.exitValue(), Faults.read(logB));
        } finally {
            Faults.kill(b);
        }
        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        JsonObject perWorker = report.getJsonObject("perWorkerBatches");
        assertTrue(perWorker.getLong(idA, 0L) > 10 && perWorker.getLong(idB, 0L) > 10, "both workers' batches count: " + perWorker);
        assertEquals(1, report.getLong("workersLost"), report.encode());
        assertEquals("time budget reached", report.getString("stopReason"));
        // B started from the weights of the moment, not from the pretrained ones: no batch of B lagged behind by a lot
        JsonObject lags = Faults.lastMetrics(metrics, "generator").getJsonObject("policyLagHistogram");
        assertTrue(lags.fieldNames().stream().mapToLong(Long::parseLong).max().orElse(0) <= 3, lags.encode());
    }

    private static long batches(Path metrics, String workerId) {
        JsonObject w = Faults.lastMetrics(metrics, "generator").getJsonObject("workers", new JsonObject());
        return w.containsKey(workerId) ? w.getJsonObject(workerId).getLong("batches", 0L) : 0;
    }
}
