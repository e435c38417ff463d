package dev.sftpg.verticles.coordinator;

import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.verticles.bus.Log;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Repeated non-finite updates of a learner: every learner goes back to the newest intact checkpoint with every
 * learning rate lowered by {@code train.nanLrFactor}, under a hold so nothing trains on the way back.
 */
public final class Rollback {
    private final Path runDir;
    private final CoordinatorSettings settings;
    private final CoordinatorState state;
    private final LearnerBus learners;
    private final RunLog log;
    private final Consumer<String> announce;
    private boolean rollingBack;

    /** @param announce tells the dashboard, in one line, what happened */
    public Rollback(Path runDir, CoordinatorSettings settings, CoordinatorState state, LearnerBus learners, RunLog log,
                    Consumer<String> announce) {
        this.runDir = runDir;
        this.settings = settings;
        this.state = state;
        this.learners = learners;
        this.log = log;
        this.announce = announce;
    }

    /** Rolls back after a fault of {@code who}; one at a time, later notices during one are ignored. */
    public void onFault(String who, String why, long currentVersion) {
        if (rollingBack) return;
        rollingBack = true;
        Optional<FinetuneCheckpoint> ck;
        try {
            ck = FinetuneCheckpoint.newestIntact(runDir, (p, e) -> Log.warn("coordinator", "skipping checkpoint " + p + ": " + e));
        } catch (IOException e) {
            ck = Optional.empty();
        }
        if (ck.isEmpty()) {
            Log.warn("coordinator", "numerical fault in the " + who + " (" + why + ") but no intact checkpoint to roll back to");
            rollingBack = false;
            return;
        }
        FinetuneCheckpoint from = ck.get();
        double factor = settings.nanLrFactor();
        state.lrScale *= factor;
        double lrScale = state.lrScale;
        learners.hold().compose(q -> {
            List<Future<?>> restores = new ArrayList<>();
            for (String r : LearnerBus.LEARNERS) {
                LearnerState saved = from.learner(r);
                LearnerState s = LearnerState.of(r, saved.counters().put("lr", settings.baseLr(r) * lrScale).put("lrScale", lrScale),
                        saved.tensors());
                restores.add(learners.restore(r, s));
            }
            return Future.all(restores);
        }).compose(x -> learners.release()).onComplete(ar -> {
            rollingBack = false;
            state.rollbacks++;
            String line = String.format("numerical fault in the %s (%s): rolled back to %s (policy v%d; %d update(s) lost), "
                            + "learning rates x%s (policy %.3g, critic %.3g, value %.3g)%s", who, why, from.dir().getFileName(),
                    from.policyVersion(), Math.max(0, currentVersion - from.policyVersion()), factor,
                    settings.baseLr("generator") * lrScale, settings.baseLr("discriminator") * lrScale,
                    settings.baseLr("value") * lrScale, ar.succeeded() ? "" : "; the rollback failed: " + ar.cause().getMessage());
            Log.warn("coordinator", line);
            log.write(new JsonObject().put("event", "rollback").put("from", who).put("reason", why)
                    .put("checkpoint", from.dir().getFileName().toString()).put("lrScale", lrScale).put("ok", ar.succeeded()));
            announce.accept(line);
        });
    }
}
