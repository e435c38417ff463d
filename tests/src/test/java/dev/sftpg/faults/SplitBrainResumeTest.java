package dev.sftpg.faults;

import dev.sftpg.cli.Main;
import dev.sftpg.finetune.FinetuneCheckpoint;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Split brain: a run is resumed elsewhere (from a copy of its folder, as another machine would hold one) while its
 * old coordinator is still alive in the same cluster, its learners and its own rollout worker busy, and a rollout
 * worker process attached. While the two incarnations coexist no batch and no credit crosses between them: every
 * learner of either receives only batches made for its own incarnation, and each run's log holds only its own
 * incarnation's metrics. The old coordinator stops and its process's rollout worker with it, the worker process
 * re-attaches to the new incarnation (which has no rollout worker of its own, so every batch of its budget is the
 * worker process's) and its dashboard shows the new one, and the new one runs to its budget with its credits
 * balanced at the final cut.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SplitBrainResumeTest {
    private static final int PORT = 5981, HTTP = 6190, INTERVAL = 10, MORE = 20;

    @Test
    void twoIncarnationsOfARunShareNoBatchAndNoCredit(@TempDir Path dir) throws Exception {
        Path oldDir = dir.resolve("old"), newDir = dir.resolve("new"), workerLog = dir.resolve("worker.log");
        Path oldMetrics = oldDir.resolve("metrics.jsonl"), newMetrics = newDir.resolve("metrics.jsonl");
        String cluster = "sftpg-split-" + ProcessHandle.current().pid();
        ByteArrayOutputStream oldErr = new ByteArrayOutputStream(), newErr = new ByteArrayOutputStream();
        String[] run = Faults.runArgs(oldDir, cluster, PORT, "train.rolloutWorkers=1", "train.checkpointEvery=" + INTERVAL,
                "train.maxMinutes=2");
        long t0 = System.nanoTime();
        CompletableFuture<Integer> old = Faults.inBackground(run, oldErr);
        // started at once: it waits for the run's first heartbeat
        Process worker = Faults.start(workerLog, "worker", "--role", "rollout,dashboard", "--cluster-name", cluster, "--port",
                String.valueOf(PORT), "--http-port", String.valueOf(HTTP), "--join-timeout", "90");
        String workerId = "w" + worker.pid() + "-0";
        try {
            Faults.waitFor(() -> Faults.lastMetrics(oldMetrics, "generator").containsKey("liveWorkers"), 90, "the run to start", oldErr);
            Faults.waitFor(() -> batches(oldMetrics, workerId) > 3 && !steps(oldDir).isEmpty()
                            && version(steps(oldDir).get(0)) >= INTERVAL, 90,
                    "the worker process to contribute and a checkpoint past the first", workerLog);
            FinetuneCheckpoint from = copyNewestCheckpoint(oldDir, newDir);
            long target = from.policyVersion() + MORE;
            long workerBatchesBefore = from.learner("generator").counters().path("workers").path(workerId).path("batches").asLong();
            long ownBatchesBefore = from.learner("generator").counters().path("workers").path("rollout-0").path("batches").asLong();
            CompletableFuture<Integer> resumed = Faults.inBackground(new String[]{"run", "--resume", newDir.toString(),
                    "--no-dashboard", "--set", "train.maxGeneratorSteps=" + target, "--set", "train.rolloutWorkers=0"}, newErr);
            Faults.waitFor(() -> Faults.read(newMetrics).contains("\"event\":\"resume\""), 90, "the resumed run to start", newErr);
            long resumedInc = incarnation(newMetrics, "resume");
            Faults.waitFor(() -> dashboardIncarnations().equals(List.of(resumedInc, resumedInc)), 60,
                    "the worker process's dashboard to show the new incarnation and its coordinator", workerLog);

            Integer oldCode = within(old, 60), newCode = within(resumed, 90);
            String logs = "\n--- old run\n" + tail(oldErr) + "\n--- new run\n" + tail(newErr) + "\n--- worker\n" + Faults.read(workerLog);
            long oldInc = incarnation(oldMetrics, "start"), newInc = incarnation(newMetrics, "resume");
            assertTrue(newInc > oldInc, "the resumed coordinator is the newer incarnation: " + oldInc + " then " + newInc);
            assertEquals(oldInc, from.coordinator().path("incarnation").asLong(), "the checkpoint names the incarnation that wrote it");

            List<String> crossed = new ArrayList<>();
            crossed.addAll(crossings(oldMetrics, oldInc, "old"));
            crossed.addAll(crossings(newMetrics, newInc, "new"));
            assertEquals(List.of(), crossed, "messages crossed between the incarnations " + oldInc + " and " + newInc + logs);

            assertNotNull(oldCode, "the old coordinator did not stop" + logs);
            assertEquals(Main.FAILURE, oldCode, logs);
            JsonObject oldReport = new JsonObject(Files.readString(oldDir.resolve("report.json")));
            assertEquals("superseded by a resumed coordinator of this run", oldReport.getString("stopReason"), oldReport.encode());

            assertNotNull(newCode, "the new incarnation did not reach its budget" + logs);
            assertEquals(0, newCode, logs);
            JsonObject report = new JsonObject(Files.readString(newDir.resolve("report.json")));
            assertEquals(target, report.getLong("generatorSteps"), report.encode());
            assertFalse(report.getBoolean("failed"), report.encode());
            // credits balanced: the final cut is taken under a hold that completes only once every credit out came back
            // (the generator's once-a-second metrics can predate the cut, so they are not the witness)
            FinetuneCheckpoint last = FinetuneCheckpoint.read(newDir.resolve("checkpoints").resolve(String.format("step-%06d", target)));
            assertTrue(last.metadata().path("coordinator").path("quiescent").asBoolean(), "final cut with credits in flight" + logs);
            JsonObject perWorker = report.getJsonObject("perWorkerBatches");
            assertTrue(perWorker.getLong(workerId, 0L) > workerBatchesBefore,
                    "the worker process re-attached to the new incarnation and its batches counted there: " + report.encode());
            assertEquals(ownBatchesBefore, perWorker.getLong("rollout-0", 0L),
                    "the old process's own rollout worker stopped with its coordinator, never joining the new incarnation: "
                            + report.encode());
            assertTrue(Faults.read(workerLog).contains("re-attaching"), Faults.read(workerLog));
            assertTrue(worker.waitFor(60, TimeUnit.SECONDS), "the worker leaves when the new incarnation stops");
            assertEquals(0, worker.exitValue(), Faults.read(workerLog));
            System.out.printf("old incarnation %d stopped at policy v%d; new incarnation %d resumed from v%d and ran to v%d; %.0f s%n",
                    oldInc, oldReport.getLong("generatorSteps"), newInc, from.policyVersion(), target,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            Faults.kill(worker);
        }
    }

    /**
     * Every metrics snapshot in {@code log} that is not of incarnation {@code own}, and every batch a learner of that
     * log received that was made for another incarnation than the learner's own.
     */
    private static List<String> crossings(Path log, long own, String which) {
        List<String> out = new ArrayList<>();
        for (String line : Faults.read(log).split("\n")) {
            JsonObject e;
            try {
                e = new JsonObject(line);
            } catch (RuntimeException partial) {
                continue;
            }
            if (!"metrics".equals(e.getString("event"))) continue;
            JsonObject m = e.getJsonObject("metrics");
            String source = e.getString("source");
            Long inc = m.getLong("incarnation");
            if (inc == null || inc != own)
                out.add(which + " run's log: metrics of " + source + " of incarnation " + inc);
            JsonObject byInc = m.getJsonObject("batchesByIncarnation", new JsonObject());
            for (String made : byInc.fieldNames())
                if (!made.equals(String.valueOf(inc)))
                    out.add(which + " run's log: " + source + " of incarnation " + inc + " received " + byInc.getLong(made)
                            + " batch(es) made for incarnation " + made);
        }
        return out.stream().distinct().toList();
    }

    /** The newest checkpoint of a live run, copied with the run's configuration into a folder of its own. */
    private static FinetuneCheckpoint copyNewestCheckpoint(Path runDir, Path into) throws Exception {
        Files.createDirectories(into.resolve("checkpoints"));
        Files.copy(runDir.resolve("config.json"), into.resolve("config.json"));
        for (int attempt = 0; ; attempt++) {
            Path newest = steps(runDir).get(0), copy = into.resolve("checkpoints").resolve(newest.getFileName());
            try {
                Files.createDirectories(copy);
                try (Stream<Path> files = Files.list(newest)) {
                    for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
                }
                return FinetuneCheckpoint.read(copy);
            } catch (NoSuchFileException prunedMeanwhile) {
                if (attempt == 5) throw prunedMeanwhile;
                try (Stream<Path> files = Files.walk(copy)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
                }
            }
        }
    }

    private static List<Path> steps(Path runDir) {
        try {
            return FinetuneCheckpoint.stepsNewestFirst(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long version(Path step) {
        return Long.parseLong(step.getFileName().toString().substring(5));
    }

    /** The incarnation the worker process's dashboard shows, and its coordinator's metrics' (empty if unreachable). */
    private static List<Long> dashboardIncarnations() {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + HTTP + "/api/status")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonObject status = new JsonObject(r.body());
            Long coordinator = status.getJsonObject("coordinator", new JsonObject()).getLong("incarnation");
            return coordinator == null ? List.of() : List.of(status.getLong("incarnation"), coordinator);
        } catch (Exception notUp) {
            return List.of();
        }
    }

    /** The incarnation the run's coordinator logged on its {@code event} ("start" or "resume") line. */
    private static long incarnation(Path log, String event) {
        for (String line : Faults.read(log).split("\n"))
            if (line.contains("\"event\":\"" + event + "\"")) return new JsonObject(line).getLong("incarnation");
        return fail("no " + event + " event in " + log);
    }

    private static long batches(Path metrics, String workerId) {
        JsonObject w = Faults.lastMetrics(metrics, "generator").getJsonObject("workers", new JsonObject());
        return w.containsKey(workerId) ? w.getJsonObject(workerId).getLong("batches", 0L) : 0;
    }

    /** The exit code, or null when the command has not ended within {@code seconds}. */
    private static Integer within(CompletableFuture<Integer> command, int seconds) throws Exception {
        try {
            return command.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return null;
        }
    }

    private static String tail(ByteArrayOutputStream err) {
        String s = err.toString(StandardCharsets.UTF_8);
        return s.substring(Math.max(0, s.length() - 4000));
    }
}
