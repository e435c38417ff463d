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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A whole `sftpg run` in one JVM on a clustered event bus (loopback), on a reduced budget. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunSystemTest {

    @Test
    void aShortRunImprovesSwdAndWritesTheRunFolder(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String[] args = {"run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                "--set", "finetune.pretrained=" + TinyModels.pretrained(), "--set", "data.size=4000",
                "--set", "train.maxGeneratorSteps=80", "--set", "train.evalEvery=40", "--set", "train.evalN=2000",
                "--set", "train.checkpointEvery=40", "--set", "eval.n=3000", "--set", "eval.seeds=2",
                "--set", "cluster.port=5801", "--no-dashboard"};
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("was made with other settings (pretrain.steps 1500 there, 80000 here)"),
                "a model pretrained under other settings is named: " + err.toString(StandardCharsets.UTF_8));

        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        double init = report.getJsonObject("init").getJsonObject("swd").getDouble("mean");
        double fin = report.getJsonObject("final").getJsonObject("swd").getDouble("mean");
        assertTrue(fin < 0.9 * init, "SFT-PG should improve SWD: " + init + " -> " + fin);
        assertTrue(report.getLong("generatorSteps") >= 80);
        assertTrue(report.getLong("criticSteps") >= 5 * 80, report.encode());
        assertTrue(report.getLong("rollouts") >= report.getLong("criticSteps") - 5);
        assertTrue(report.getJsonObject("perWorkerBatches").containsKey("rollout-0"));
        assertEquals(0, report.getLong("droppedForPolicyLag"), "one worker with one credit is on-policy");
        assertEquals(0, report.getLong("rejectedMessages"));
        assertTrue(report.getJsonObject("init").getDouble("sharpness") > 0 && report.getJsonObject("final").getDouble("sharpness") > 0);
        assertEquals(2, report.getJsonArray("curve").size(), "evaluations at versions 40 and 80");
        assertTrue(report.getDouble("wallSeconds") > 0);

        assertTrue(Files.isRegularFile(runDir.resolve("config.json")));
        assertTrue(Files.readString(runDir.resolve("metrics.jsonl")).contains("\"event\":\"eval\""));
        try (var ckpts = Files.list(runDir.resolve("checkpoints"))) {
            assertTrue(ckpts.anyMatch(p -> Files.isRegularFile(p.resolve("state.sftpg"))));
        }
        try (var pngs = Files.list(runDir.resolve("samples"))) {
            assertTrue(pngs.anyMatch(p -> p.toString().endsWith(".png")));
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("SWD"), out.toString(StandardCharsets.UTF_8));

        // the best periodic policy is kept, and eval compares it with the pretrained samplers
        assertTrue(Files.isRegularFile(runDir.resolve("checkpoints").resolve("best").resolve("state.sftpg")));
        assertTrue(report.getJsonObject("best").getDouble("swd") > 0);
        ByteArrayOutputStream evalOut = new ByteArrayOutputStream();
        int evalCode = Main.run(new String[]{"eval", "--checkpoint", runDir.toString(), "--n", "500", "--seeds", "1", "--json"},
                new PrintStream(evalOut, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true));
        assertEquals(0, evalCode);
        JsonObject eval = new JsonObject(evalOut.toString(StandardCharsets.UTF_8));
        assertEquals("ddpm-10", eval.getJsonArray("samplers").getJsonObject(0).getString("name"));
        assertEquals("sft-pg-10", eval.getJsonArray("samplers").getJsonObject(1).getString("name"));
    }
}
