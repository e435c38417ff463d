package dev.sftpg.faults;

import dev.sftpg.cli.Main;
import dev.sftpg.cluster.TinyModels;
import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.io.RunDirLock;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checkpoint and resume, in one JVM on a clustered event bus: a run stopped at 12 policy updates and resumed to 24
 * ends bit for bit where an uninterrupted run of 24 ends (weights, optimiser moments, buffers, counters); a changed
 * configuration is refused unless forced, naming the keys; a corrupt newest checkpoint costs one interval; a live
 * run's folder cannot be resumed into.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ResumeTest {
    @TempDir
    static Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(Path runDir, int port, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--config", "swissroll-reference", "--no-dashboard",
                "--set", "finetune.pretrained=" + TinyModels.pretrained(), "--set", "data.size=4000",
                "--set", "train.evalEvery=0", "--set", "train.checkpointEvery=6", "--set", "train.keepCheckpoints=10",
                "--set", "eval.n=1000", "--set", "eval.seeds=1", "--set", "cluster.port=" + port));
        args.addAll(Arrays.asList(extra));
        if (runDir != null) args.addAll(List.of("--run-dir", runDir.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static FinetuneCheckpoint checkpoint(Path runDir, int version) {
        return FinetuneCheckpoint.read(runDir.resolve("checkpoints").resolve(String.format("step-%06d", version)));
    }

    @Test
    @Order(1)
    void aResumedRunEndsExactlyWhereAnUninterruptedOneEnds() throws Exception {
        Path straight = dir.resolve("straight"), interrupted = dir.resolve("interrupted");
        Result b = run(straight, 5921, "--set", "train.maxGeneratorSteps=24");
        assertEquals(0, b.code(), b.err());
        Result a1 = run(interrupted, 5921, "--set", "train.maxGeneratorSteps=12");
        assertEquals(0, a1.code(), a1.err());
        // the budget is operational: it may change on resume without --force
        Result a2 = run(null, 5921, "--resume", interrupted.toString(), "--set", "train.maxGeneratorSteps=24");
        assertEquals(0, a2.code(), a2.err());
        assertTrue(a2.err().contains("resuming from") && a2.err().contains("step-000012"), a2.err());

        FinetuneCheckpoint x = checkpoint(straight, 24), y = checkpoint(interrupted, 24);
        assertEquals(x.tensors().keySet(), y.tensors().keySet());
        for (String name : x.tensors().keySet())
            assertArrayEquals(x.tensor(name), y.tensor(name), name + " differs after resume");
        for (String role : List.of("generator", "discriminator", "value"))
            assertEquals(x.learner(role).counters(), y.learner(role).counters(), role + " counters");
        assertTrue(x.metadata().path("coordinator").path("quiescent").asBoolean(), "the final cut had nothing in flight");

        JsonObject report = new JsonObject(Files.readString(interrupted.resolve("report.json")));
        assertEquals(24, report.getLong("generatorSteps"));
        assertEquals(121, report.getLong("criticSteps"), "counters continue (24 x 5, and the batch in flight): " + report.encode());
        assertEquals(121, report.getJsonObject("perWorkerBatches").getLong("rollout-0"), report.encode());
        assertTrue(report.getDouble("wallSeconds") > new JsonObject(Files.readString(straight.resolve("report.json")))
                .getDouble("wallSeconds") * 0.5, "elapsed time continues");
    }

    @Test
    @Order(2)
    void aChangedConfigurationIsRefusedUnlessForcedAndNothingIsTouched() throws Exception {
        Path runDir = dir.resolve("interrupted");
        String configBefore = Files.readString(runDir.resolve("config.json"));
        List<Path> before = FinetuneCheckpoint.stepsNewestFirst(runDir);
        Result r = run(null, 5921, "--resume", runDir.toString(), "--set", "finetune.lr=1e-4", "--set", "critic.hidden=64");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("finetune.lr: checkpoint 5.0E-5, now 1.0E-4"), r.err());
        assertTrue(r.err().contains("critic.hidden") && r.err().contains("--force"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertEquals(configBefore, Files.readString(runDir.resolve("config.json")), "config untouched");
        assertEquals(before, FinetuneCheckpoint.stepsNewestFirst(runDir), "checkpoints untouched");

        Result misuse = run(null, 5921, "--resume", runDir.toString(), "--run-dir", dir.resolve("elsewhere").toString());
        assertEquals(2, misuse.code());
        Result fresh = run(runDir, 5921, "--set", "train.maxGeneratorSteps=3");
        assertEquals(2, fresh.code(), "a new run never writes into a folder that holds one");
        assertTrue(fresh.err().contains("--resume"), fresh.err());

        Result forced = run(null, 5921, "--resume", runDir.toString(), "--set", "finetune.lr=1e-4", "--force",
                "--set", "train.maxGeneratorSteps=30");
        assertEquals(0, forced.code(), forced.err());
        assertTrue(forced.err().contains("changed configuration (--force)"), forced.err());
        assertTrue(Files.readString(runDir.resolve("config.json")).contains("1.0E-4"), "the run folder records the config in use");
    }

    @Test
    @Order(3)
    void aCorruptNewestCheckpointCostsOneIntervalAndALiveRunCannotBeResumedInto() throws Exception {
        Path runDir = dir.resolve("interrupted");
        Path newest = FinetuneCheckpoint.stepsNewestFirst(runDir).get(0);
        Path state = newest.resolve(FinetuneCheckpoint.STATE_FILE);
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(state, bytes);

        try (RunDirLock held = RunDirLock.acquire(runDir)) {
            Result busy = run(null, 5921, "--resume", runDir.toString(), "--set", "finetune.lr=5e-5");
            assertEquals(2, busy.code(), busy.err());
            assertTrue(busy.err().contains("in use by a live run"), busy.err());
        }

        // step-000024 was written before the forced change of the learning rate: its own configuration must be given
        Result r = run(null, 5921, "--resume", runDir.toString(), "--set", "finetune.lr=5e-5", "--set", "train.maxGeneratorSteps=30");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("skipping checkpoint " + newest) && r.err().contains("corrupt"), r.err());
        assertTrue(r.err().contains("step-000024"), "resumed from the previous one: " + r.err());
    }
}
