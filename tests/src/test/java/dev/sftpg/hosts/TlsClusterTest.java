package dev.sftpg.hosts;

import dev.sftpg.cluster.TinyModels;
import dev.sftpg.verticles.cluster.ClusterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run with {@code cluster.tls}: a worker without the run's key file, or with another run's, finds no run and
 * contributes nothing (exit 2); one given the file through {@code SFTPG_CLUSTER_KEY} joins and produces.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class TlsClusterTest {
    private static final int PORT = 6500;

    @Test
    void onlyAWorkerWithTheRunsKeyJoins(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run"), runLog = tmp.resolve("run.log");
        String cluster = "sftpg-tls-" + ProcessHandle.current().pid();
        List<String> args = new ArrayList<>(List.of("run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                "--no-dashboard", "--roles", "discriminator,value,generator"));
        for (String kv : List.of("finetune.pretrained=" + TinyModels.pretrained(), "data.size=4000", "train.evalEvery=0", "eval.n=1000",
                "eval.seeds=1", "cluster.name=" + cluster, "cluster.port=" + PORT, "cluster.tls=true", "train.maxGeneratorSteps=100000"))
            args.addAll(List.of("--set", kv));
        Path otherKey = ClusterKey.ensure(tmp.resolve("other-run"));
        Process run = null, stranger = null, impostor = null, worker = null;
        try {
            run = Jvm.start(runLog, List.of(), args.toArray(String[]::new));
            Jvm.waitForText(runLog, ClusterKey.ENV + "=", 180);
            Path key = runDir.resolve(ClusterKey.FILE);
            String[] join = {"worker", "--role", "rollout", "--cluster-name", cluster, "--cluster", "127.0.0.1:" + PORT, "--port",
                    String.valueOf(PORT + 10), "--join-timeout", "25"};

            Path strangerLog = tmp.resolve("stranger.log"), impostorLog = tmp.resolve("impostor.log");
            stranger = Jvm.start(strangerLog, List.of(), join);
            impostor = Jvm.start(impostorLog, Map.of(ClusterKey.ENV, otherKey.toString()), List.of(), join);
            assertEquals(2, Jvm.exitCode(stranger, 180, strangerLog), Jvm.read(strangerLog));
            assertEquals(2, Jvm.exitCode(impostor, 180, impostorLog), Jvm.read(impostorLog));
            for (Path log : List.of(strangerLog, impostorLog)) {
                assertTrue(Jvm.read(log).contains("found no run") && Jvm.read(log).contains(ClusterKey.ENV), Jvm.read(log));
                assertEquals("", Jvm.noise(Jvm.read(log)), Jvm.read(log));
            }
            assertFalse(Jvm.read(runLog).contains("rollout worker w"), "a worker without the key reached the generator:\n" + Jvm.read(runLog));

            Path workerLog = tmp.resolve("worker.log");
            worker = Jvm.start(workerLog, Map.of(ClusterKey.ENV, key.toString()), List.of(), join);
            Jvm.waitForText(workerLog, "ready at policy version", 180);
            Jvm.waitForText(runLog, "joined; granting", 60);
            System.out.println("--- run\n" + Jvm.read(runLog) + "--- stranger\n" + Jvm.read(strangerLog) + "--- impostor\n"
                    + Jvm.read(impostorLog) + "--- worker\n" + Jvm.read(workerLog));
            assertEquals("", Jvm.noise(Jvm.read(runLog)), Jvm.read(runLog));
        } finally {
            Jvm.end(stranger);
            Jvm.end(impostor);
            Jvm.end(worker);
            Jvm.end(run);
        }
    }
}
