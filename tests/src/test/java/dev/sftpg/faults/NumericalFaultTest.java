package dev.sftpg.faults;

import dev.sftpg.cli.Main;
import dev.sftpg.cluster.TinyModels;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A rogue node joins a live run's cluster and sends well-formed trajectory batches of huge finite values (a worker
 * whose sampler diverged): the critic's scores overflow, the updates are skipped and counted, three in a row roll
 * every learner back to the last checkpoint with halved learning rates, and the run goes on to its budget with
 * finite weights.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class NumericalFaultTest {

    @Test
    void repeatedNonFiniteUpdatesRollBackAndLowerTheLearningRates(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-nan-" + ProcessHandle.current().pid();
        String[] args = Faults.runArgs(runDir, cluster, 5861, "train.maxMinutes=0.75", "train.checkpointEvery=20");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = Faults.inBackground(args, err);
        Path metrics = runDir.resolve("metrics.jsonl");
        // at a few versions a second, once-a-second snapshots can step over any one version: wait for one at or past it
        Faults.waitFor(() -> Faults.lastMetrics(metrics, "generator").getLong("policyVersion", 0L) >= 25, 120,
                "the run to pass version 25", err);

        try (Faults.Rogue rogue = Faults.rogue(cluster, 5861)) {
            float[] huge = new float[11 * 64 * 2];
            Arrays.fill(huge, 3e38f);
            DeliveryOptions from = new DeliveryOptions().addHeader(Addresses.SENDER, "diverged-worker");
            for (int i = 0; i < 8; i++)
                rogue.vertx().eventBus().send(rogue.bus().batch(), Wire.encode(new TrajectoryBatch(0, "diverged-worker", i, 10, 64,
                        new int[]{2}, huge)), from);
            Faults.waitFor(() -> Faults.read(metrics).contains("\"event\":\"rollback\""), 60, "a rollback", err);
        }

        assertEquals(0, run.get(3, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        String events = Faults.read(metrics);
        assertEquals(1, events.split("\"event\":\"rollback\"", -1).length - 1, "one burst, one rollback");
        assertTrue(events.contains("\"from\":\"discriminator\"") && events.contains("non-finite critic updates"), "the fault is named");
        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        assertEquals(1, report.getLong("rollbacks"), report.encode());
        assertEquals(0.5, report.getDouble("lrScale"), 1e-12);
        assertTrue(report.getLong("lostBatches") >= 3, "the rogue batches never reached the policy: " + report.encode());
        assertEquals("time budget reached", report.getString("stopReason"));
        assertTrue(Double.isFinite(report.getJsonObject("final").getJsonObject("swd").getDouble("mean")), report.encode());
        // the policy's learning rate was halved, and training went on after the rollback
        JsonObject gen = Faults.lastMetrics(metrics, "generator");
        assertEquals(2.5e-5, gen.getDouble("policyLr"), 1e-12, gen.encode());
        JsonObject disc = Faults.lastMetrics(metrics, "discriminator");
        assertEquals(5e-4, disc.getDouble("criticLr"), 1e-12, disc.encode());
        assertTrue(disc.getLong("skippedUpdates") >= 3, disc.encode());
    }
}
