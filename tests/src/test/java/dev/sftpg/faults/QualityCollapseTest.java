package dev.sftpg.faults;

import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The quality-collapse guard on a live clustered run: a rogue node replaces the policy's weights with damaged ones
 * (what a run that left its good policy looks like to the evaluations), the next periodic evaluation is far worse
 * than the best, and every learner goes back to {@code checkpoints/best} with halved learning rates; the evaluations
 * after it are back near the best, and the run finishes its budget.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class QualityCollapseTest {

    @Test
    void anEvaluationFarWorseThanTheBestRollsBackToTheBestCheckpoint(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-collapse-" + ProcessHandle.current().pid();
        String[] args = Faults.runArgs(runDir, cluster, 5881, "train.maxMinutes=1.0", "train.evalEvery=10", "train.evalN=3000",
                "train.checkpointEvery=0", "train.collapseFactor=2");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = Faults.inBackground(args, err);
        Path metrics = runDir.resolve("metrics.jsonl");
        Path best = runDir.resolve("checkpoints").resolve("best");
        Faults.waitFor(() -> FinetuneCheckpoint.isOne(best) && Faults.read(metrics).contains("\"event\":\"eval\""), 120,
                "a periodic evaluation and checkpoints/best", err);

        try (Faults.Rogue rogue = Faults.rogue(cluster, 5881)) {
            // the best policy's own state with every weight pushed far off: a policy gone bad, still finite
            LearnerState good = FinetuneCheckpoint.read(best).learner("generator");
            Map<String, float[]> tensors = new LinkedHashMap<>(good.tensors());
            float[] params = tensors.get("params").clone();
            Random r = new Random(1);
            for (int i = 0; i < params.length; i++) params[i] += (float) (0.5 * r.nextGaussian());
            tensors.put("params", params);
            rogue.vertx().eventBus().request(rogue.bus().restore("generator"), Wire.encode(new LearnerState("generator", good.json(), tensors)))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            Faults.waitFor(() -> Faults.read(metrics).contains("\"from\":\"collapse\""), 90, "a collapse rollback", err);
        }

        assertEquals(0, run.get(3, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        JsonObject rollback = null;
        for (String line : Faults.read(metrics).split("\n"))
            if (line.contains("\"event\":\"rollback\"")) {
                assertNull(rollback, "one damage, one rollback: " + line);
                rollback = new JsonObject(line);
            }
        assertNotNull(rollback);
        assertEquals("best", rollback.getString("checkpoint"), rollback.encode());
        assertTrue(rollback.getBoolean("ok"), rollback.encode());
        assertTrue(rollback.getString("reason").startsWith("swd "), rollback.encode());

        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        assertEquals(1, report.getLong("rollbacks"), report.encode());
        assertEquals(0.5, report.getDouble("lrScale"), 1e-12);
        assertEquals(2.5e-5, Faults.lastMetrics(metrics, "generator").getDouble("policyLr"), 1e-12);
        // the curve: a collapsed point more than twice the best before it, then points near the best again
        JsonArray curve = report.getJsonArray("curve");
        double bestBefore = Double.MAX_VALUE, collapsed = Double.NaN;
        int after = 0;
        for (int i = 0; i < curve.size(); i++) {
            double swd = curve.getJsonObject(i).getDouble("swd");
            if (Double.isNaN(collapsed)) {
                if (swd > 2 * bestBefore) collapsed = swd;
                else bestBefore = Math.min(bestBefore, swd);
            } else {
                after++;
                assertTrue(swd < 2 * bestBefore, "after the rollback the policy is the best one again: " + curve.encode());
            }
        }
        assertFalse(Double.isNaN(collapsed), "the damage showed in the curve: " + curve.encode());
        assertTrue(after >= 1, "the run went on after the rollback: " + curve.encode());
    }
}
