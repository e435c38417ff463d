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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The process hosting the learners dies (SIGKILL) while a rollout worker in another JVM is attached: the worker
 * notices the silence and waits; `run --resume` continues from the last checkpoint, losing at most one checkpoint
 * interval, the same worker re-attaches to the resumed run (no split brain: one coordinator, its batches counted on),
 * and everything ends cleanly at the budget.
 */
@Timeout(value = 7, unit = TimeUnit.MINUTES)
class LearnerFaultTest {
    private static final int INTERVAL = 20;

    @Test
    void aKilledRunResumesFromItsLastCheckpointAndItsWorkerReattaches(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-lf-" + ProcessHandle.current().pid();
        Path runLog = dir.resolve("run.log"), workerLog = dir.resolve("worker.log");
        Process run = Faults.start(runLog, Faults.runArgs(runDir, cluster, 5941, "train.maxMinutes=5",
                "train.checkpointEvery=" + INTERVAL, "train.workerTimeout=3"));
        Process worker = null;
        try {
            Path metrics = runDir.resolve("metrics.jsonl");
            Faults.waitFor(() -> Faults.lastMetrics(metrics, "generator").containsKey("liveWorkers"), 120, "the run to start", runLog);
            worker = Faults.start(workerLog, "worker", "--role", "rollout", "--cluster-name", cluster, "--port", "5941",
                    "--join-timeout", "90", "--reattach-timeout", "120");
            String workerId = "w" + worker.pid() + "-0";
            Faults.waitFor(() -> batches(metrics, workerId) > 5 && version(metrics) > 2 * INTERVAL + 5, 120,
                    "the worker to contribute and two checkpoints to be written", workerLog);
            Faults.kill(run);
            long versionAtKill = version(metrics);
            long workerBatchesAtKill = batches(metrics, workerId);
            Faults.waitFor(() -> Faults.read(workerLog).contains("has been silent"), 30, "the worker to notice", workerLog);
            assertTrue(worker.isAlive(), "the worker waits for a resume");

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long target = versionAtKill + 30;
            int code = Main.run(new String[]{"run", "--resume", runDir.toString(), "--no-dashboard",
                            "--set", "train.maxGeneratorSteps=" + target},
                    new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
            String log = err.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, log);
            Matcher m = Pattern.compile("resuming from \\S+step-(\\d+) \\(policy v(\\d+)").matcher(log);
            assertTrue(m.find(), log);
            long resumedAt = Long.parseLong(m.group(2));
            assertTrue(versionAtKill - resumedAt <= INTERVAL + 1, "at most one interval lost: killed at v" + versionAtKill
                    + ", resumed at v" + resumedAt);
            assertTrue(resumedAt >= 2 * INTERVAL, log);
            System.out.printf("run process killed at policy v%d; resumed from v%d: %d update(s) lost%n", versionAtKill, resumedAt,
                    versionAtKill - resumedAt);

            JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
            assertEquals(target, report.getLong("generatorSteps"), report.encode());
            assertTrue(report.getJsonObject("perWorkerBatches").getLong(workerId, 0L) > workerBatchesAtKill,
                    "the old worker re-attached and contributed to the resumed run: " + report.encode());
            assertFalse(report.getBoolean("failed"));
            assertTrue(worker.waitFor(60, TimeUnit.SECONDS), "the worker leaves when the resumed run stops");
            assertEquals(0, worker.exitValue(), Faults.read(workerLog));
            assertTrue(Faults.read(workerLog).contains("re-attaching"), Faults.read(workerLog));
        } finally {
            Faults.kill(run);
            if (worker != null) Faults.kill(worker);
        }
    }

    @Test
    void aLostValueProcessStopsTheRunResumablyAndTheResumeContinuesWithoutIt(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-lv-" + ProcessHandle.current().pid();
        Path valueLog = dir.resolve("value.log");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = Faults.runArgs(runDir, cluster, 5961, "train.maxMinutes=5", "train.checkpointEvery=" + INTERVAL,
                "train.learnerTimeout=5");
        String[] split = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--roles",
                "rollout,discriminator,generator")).toArray(String[]::new);
        var run = Faults.inBackground(split, err);
        Path metrics = runDir.resolve("metrics.jsonl");
        Process value = null;
        try {
            Faults.waitFor(() -> Faults.lastMetrics(metrics, "generator").containsKey("liveWorkers"), 120, "the run to start", err);
            value = Faults.start(valueLog, "worker", "--role", "value", "--cluster-name", cluster, "--port", "5961", "--join-timeout", "90");
            Faults.waitFor(() -> version(metrics) > INTERVAL + 5, 120, "training with the value learner in its own process", valueLog);
            Faults.kill(value);
            long killedAt = version(metrics);
            long t0 = System.nanoTime();
            assertEquals(Main.FAILURE, run.get(90, TimeUnit.SECONDS), "a lost learner ends the run with a failure status");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), "detected within the learner timeout, nothing waits forever");
            String log = err.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("sftpg run --resume " + runDir), log);
            JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
            assertTrue(report.getBoolean("failed"), report.encode());
            assertEquals("the value learner was lost", report.getString("stopReason"));
            assertTrue(version(metrics) - killedAt < 5, "no training without the value learner");

            // resume with the value learner in the run's own process: it restores the checkpoint's value network
            ByteArrayOutputStream err2 = new ByteArrayOutputStream();
            int code = Main.run(new String[]{"run", "--resume", runDir.toString(), "--no-dashboard",
                    "--set", "train.maxGeneratorSteps=" + (killedAt + 10)}, new PrintStream(new ByteArrayOutputStream(), true),
                    new PrintStream(err2, true, StandardCharsets.UTF_8));
            assertEquals(0, code, err2.toString(StandardCharsets.UTF_8));
            Matcher from = Pattern.compile("policy v(\\d+),").matcher(err2.toString(StandardCharsets.UTF_8));
            assertTrue(from.find(), err2.toString(StandardCharsets.UTF_8));
            System.out.printf("value process killed at policy v%d; resumed from v%s: %d update(s) lost%n", killedAt, from.group(1),
                    killedAt - Long.parseLong(from.group(1)));
            assertEquals(killedAt + 10, new JsonObject(Files.readString(runDir.resolve("report.json"))).getLong("generatorSteps"));
        } finally {
            if (value != null) Faults.kill(value);
        }
    }

    private static long version(Path metrics) {
        return Faults.lastMetrics(metrics, "generator").getLong("policyVersion", 0L);
    }

    private static long batches(Path metrics, String workerId) {
        JsonObject w = Faults.lastMetrics(metrics, "generator").getJsonObject("workers", new JsonObject());
        return w.containsKey(workerId) ? w.getJsonObject(workerId).getLong("batches", 0L) : 0;
    }
}
