package dev.sftpg.cluster;

import dev.sftpg.cli.Main;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two JVMs on loopback: a run, then a `worker` process that joins its cluster and adds a rollout worker whose
 * batches reach the generator; the worker is killed (SIGKILL) and the run carries on to its budget.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class TwoProcessClusterTest {

    @Test
    void anExtraWorkerProcessJoinsContributesAndCanBeKilled(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-test-" + ProcessHandle.current().pid();
        String[] args = {"run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                "--set", "finetune.pretrained=" + TinyModels.pretrained(), "--set", "data.size=4000",
                "--set", "train.maxGeneratorSteps=100000", "--set", "train.maxMinutes=1.5", "--set", "train.evalEvery=0",
                "--set", "eval.n=1000", "--set", "eval.seeds=1", "--set", "cluster.name=" + cluster,
                "--set", "cluster.port=5821", "--set", "finetune.maxPolicyLag=2", "--no-dashboard"};
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.run(args,
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8)));
        Path metrics = runDir.resolve("metrics.jsonl");
        waitFor(() -> Files.exists(metrics) && read(metrics).contains("\"source\":\"generator\""), 120, "the run to start", err);

        Process worker = startWorker(cluster, dir.resolve("worker.log"));
        String workerId = "w" + worker.pid() + "-0";
        try {
            waitFor(() -> batchesOf(metrics, workerId) > 0, 90, "the worker's batches to reach the generator",
                    dir.resolve("worker.log"));
        } finally {
            worker.destroyForcibly();
            worker.waitFor(30, TimeUnit.SECONDS);
        }
        long versionAtKill = latestVersion(metrics);
        waitFor(() -> latestVersion(metrics) > versionAtKill + 10, 60, "the run to go on after the kill", err);

        assertEquals(0, run.get(4, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        JsonObject perWorker = report.getJsonObject("perWorkerBatches");
        assertTrue(perWorker.getLong("rollout-0", 0L) > 0, report.encode());
        assertTrue(perWorker.getLong(workerId, 0L) > 0, "the killed worker's batches are counted: " + perWorker);
        assertEquals("time budget reached", report.getString("stopReason"));
    }

    private static Process startWorker(String cluster, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.sftpg.cli.Main",
                "worker", "--role", "rollout", "--cluster-name", cluster, "--port", "5821", "--join-timeout", "90"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }

    /** The latest batch count the generator reported for a worker. */
    private static long batchesOf(Path metrics, String workerId) {
        long n = 0;
        for (String line : read(metrics).split("\n")) {
            if (!line.contains("\"source\":\"generator\"")) continue;
            try {
                JsonObject w = new JsonObject(line).getJsonObject("metrics").getJsonObject("workers");
                if (w != null && w.containsKey(workerId)) n = w.getJsonObject(workerId).getLong("batches");
            } catch (RuntimeException partialLine) {
                // the line is being written
            }
        }
        return n;
    }

    private static long latestVersion(Path metrics) {
        long v = 0;
        for (String line : read(metrics).split("\n")) {
            if (!line.contains("\"source\":\"generator\"")) continue;
            try {
                v = Math.max(v, new JsonObject(line).getJsonObject("metrics").getLong("policyVersion"));
            } catch (RuntimeException partialLine) {
                // the line is being written
            }
        }
        return v;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, int seconds, String what, Object diagnostics)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(250);
        }
        String diag = diagnostics instanceof Path p ? read(p) : diagnostics.toString();
        fail("timed out after " + seconds + " s waiting for " + what + "\n" + diag.substring(Math.max(0, diag.length() - 3000)));
    }
}
