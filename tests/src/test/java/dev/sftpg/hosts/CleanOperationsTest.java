package dev.sftpg.hosts;

import dev.sftpg.cluster.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The expected events of a run with an external rollout worker: the run process is killed, resumed, and stopped
 * from the dashboard. Each is one plain line in the output of the processes that see it, never a stack trace or a
 * library's log line.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CleanOperationsTest {
    private static final int PORT = 6300, HTTP = 6390;

    @Test
    void killResumeAndStopPrintOneLineEach(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run"), firstLog = tmp.resolve("run1.log"), resumedLog = tmp.resolve("run2.log"),
                workerLog = tmp.resolve("worker.log");
        String cluster = "sftpg-clean-" + ProcessHandle.current().pid();
        List<String> sets = List.of("finetune.pretrained=" + TinyModels.pretrained(), "data.size=4000", "train.evalEvery=0",
                "eval.n=1000", "eval.seeds=1", "cluster.name=" + cluster, "cluster.port=" + PORT, "dashboard.port=" + HTTP,
                "dashboard.token=tok", "train.maxGeneratorSteps=100000", "train.checkpointEvery=10");
        Process first = null, resumed = null, worker = null;
        try {
            first = Jvm.start(firstLog, List.of(), with(sets, "run", "--config", "swissroll-reference", "--run-dir", runDir.toString()));
            Jvm.waitForText(firstLog, "--cluster 127.0.0.1:" + PORT, 180);
            worker = Jvm.start(workerLog, List.of(), "worker", "--role", "rollout", "--cluster-name", cluster, "--cluster",
                    "127.0.0.1:" + PORT, "--port", String.valueOf(PORT + 10), "--join-timeout", "120");
            Jvm.waitForText(workerLog, "ready at policy version", 180);
            waitForCheckpoint(runDir, 120);

            first.destroyForcibly(); // SIGKILL: the run process dies without a word
            first.waitFor(30, TimeUnit.SECONDS);
            Jvm.waitForText(workerLog, "left the cluster (if it was the run's process", 60);
            Jvm.waitForText(workerLog, "the run's coordinator has been silent", 60);

            resumed = Jvm.start(resumedLog, List.of(), with(sets, "run", "--resume", runDir.toString()));
            Jvm.waitForText(workerLog, "the run's coordinator is back", 180);
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("worker (w\\d+) joined run").matcher(Jvm.read(workerLog));
            assertTrue(id.find(), Jvm.read(workerLog));
            // "joined" when it first said hello after the checkpoint the run resumed from, else "re-attached"
            Jvm.waitForText(resumedLog, "rollout worker " + id.group(1) + "-0 ", 60);
            assertTrue(Jvm.read(resumedLog).matches("(?s).*rollout worker " + id.group(1) + "-0 (joined|re-attached); granting.*"),
                    Jvm.read(resumedLog));
            Thread.sleep(3000); // its batches flow into the resumed run

            assertEquals(200, Jvm.post("http://127.0.0.1:" + HTTP + "/api/control/stop", "tok"));
            assertEquals(0, Jvm.exitCode(resumed, 180, resumedLog), Jvm.read(resumedLog));
            assertEquals(0, Jvm.exitCode(worker, 90, workerLog), Jvm.read(workerLog));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- worker\n" + Jvm.read(workerLog), e);
        } finally {
            Jvm.end(first);
            Jvm.end(resumed);
            Jvm.end(worker);
        }
        String w = Jvm.read(workerLog), r1 = Jvm.read(firstLog), r2 = Jvm.read(resumedLog);
        System.out.println("--- killed run\n" + r1 + "--- resumed run\n" + r2 + "--- worker\n" + w);
        assertTrue(r2.contains("finished (stopped from the dashboard)"), r2);
        assertTrue(w.contains("the run stopped; left the cluster"), w);
        assertTrue(!r2.contains("left the cluster (a worker process"), "a worker leaving at the end is no news:\n" + r2);
        for (String[] out : new String[][]{{"worker", w}, {"killed run", r1}, {"resumed run", r2}})
            assertEquals("", Jvm.noise(out[1]), out[0] + " printed stack traces or library log lines:\n" + out[1]);
    }

    static String[] with(List<String> sets, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        for (String kv : sets) all.addAll(List.of("--set", kv));
        return all.toArray(String[]::new);
    }

    static void waitForCheckpoint(Path runDir, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            Path dir = runDir.resolve("checkpoints");
            if (Files.isDirectory(dir))
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.anyMatch(p -> p.getFileName().toString().startsWith("step-"))) return;
                }
            Thread.sleep(500);
        }
        throw new AssertionError("no checkpoint in " + runDir + " within " + seconds + " s");
    }
}
