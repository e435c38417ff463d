package dev.sftpg.verticles.coordinator;

import dev.sftpg.config.Config;
import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.verticles.bus.Log;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Writes checkpoint directories of all three learners' whole state: {@code checkpoints/step-N} (the last
 * {@code train.keepCheckpoints} kept) and {@code checkpoints/best} (the best periodic SWD so far, holding exactly the
 * evaluated policy). A step checkpoint first holds the generator until nothing is in flight, so the three states are
 * one consistent cut that a resumed run continues exactly; checkpoints never overlap.
 */
public final class Checkpointer {
    private final Path runDir;
    private final Config config;
    private final int keep;
    private final LearnerBus learners;
    private final CoordinatorState state;
    private final DoubleSupplier elapsedSeconds;
    private final RunLog log;
    private Future<Void> writing = Future.succeededFuture();
    private long lastStep = -1;
    /** The learners' states at the latest step checkpoint: exact counters for the report. */
    private Map<String, LearnerState> lastCut = Map.of();

    public Checkpointer(Path runDir, Config config, int keep, LearnerBus learners, CoordinatorState state,
                        DoubleSupplier elapsedSeconds, RunLog log) {
        this.runDir = runDir;
        this.config = config;
        this.keep = keep;
        this.learners = learners;
        this.state = state;
        this.elapsedSeconds = elapsedSeconds;
        this.log = log;
    }

    /** A resumed run's checkpoint is its own starting point: not written again. */
    public void resumedAt(long version) {
        lastStep = version;
    }

    /** The version of the newest step checkpoint asked for. */
    public long lastStep() {
        return lastStep;
    }

    public Map<String, LearnerState> lastCut() {
        return lastCut;
    }

    /** A consistent step checkpoint, {@code checkpoints/step-N}. */
    public Future<Void> step(long version) {
        lastStep = version;
        return enqueue(version, String.format("step-%06d", version), null);
    }

    /** {@code checkpoints/best}: the learners' state now, with the policy exactly as evaluated. */
    public Future<Void> best(PolicyWeights evaluated) {
        return enqueue(evaluated.version(), "best", evaluated);
    }

    /** Completes once every checkpoint asked so far is written (or has failed). */
    public Future<Void> idle() {
        return writing;
    }

    private Future<Void> enqueue(long version, String dirName, PolicyWeights evaluated) {
        Future<Void> mine = writing.transform(x -> write(version, dirName, evaluated));
        writing = mine.transform(x -> Future.succeededFuture());
        return mine;
    }

    private Future<Void> write(long version, String dirName, PolicyWeights evaluated) {
        boolean step = evaluated == null;
        Future<Boolean> held = step ? learners.hold() : Future.succeededFuture(true);
        return held.compose(quiet -> learners.snapshot().compose(states -> {
            if (evaluated != null) { // the best checkpoint holds exactly the policy that was evaluated
                LearnerState g = states.get("generator");
                Map<String, float[]> t = new LinkedHashMap<>(g.tensors());
                t.put("params", evaluated.params());
                states.put("generator", new LearnerState(g.role(), g.json(), t));
            }
            Path dir = runDir.resolve("checkpoints").resolve(dirName);
            long policyVersion = states.get("generator").counters().path("version").asLong(version);
            try {
                FinetuneCheckpoint.write(dir, config, policyVersion, elapsedSeconds.getAsDouble(), states,
                        state.toCheckpoint().put("quiescent", quiet));
                if (step) {
                    lastCut = states;
                    if (!state.checkpoints.contains(dirName)) state.checkpoints.add(dirName);
                    prune();
                }
                log.write(new JsonObject().put("event", "checkpoint").put("policyVersion", policyVersion).put("dir", dir.toString())
                        .put("consistent", quiet));
                return Future.<Void>succeededFuture();
            } catch (IOException e) {
                return Future.<Void>failedFuture(e);
            }
        })).transform(ar -> {
            Future<?> released = step ? learners.release() : Future.succeededFuture();
            return released.transform(r -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause()));
        }).onFailure(e -> Log.warn("coordinator", "checkpoint " + dirName + " failed: " + e.getMessage()));
    }

    private void prune() throws IOException {
        List<Path> all = FinetuneCheckpoint.stepsNewestFirst(runDir);
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) deleteTree(old);
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
