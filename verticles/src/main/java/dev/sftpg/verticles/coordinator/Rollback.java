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
import java.util.function.LongSupplier;

/**
 * Sends every learner back to a checkpoint with every learning rate lowered, under a hold so nothing trains on the
 * way back. Two causes: repeated non-finite updates of a learner go back to the newest intact checkpoint (rates x
 * {@code train.nanLrFactor}); a quality collapse, a periodic evaluation worse than {@code train.collapseFactor}
 * times the best one, goes back to {@code checkpoints/best} (rates x {@code train.collapseLrFactor}): policy-gradient
 * fine-tuning can leave a good policy within a few dozen updates and not find its way back.
 */
public final class Rollback {
    private final Path runDir;
    private final CoordinatorSettings settings;
    private final CoordinatorState state;
    private final LearnerBus learners;
    private final RunLog log;
    private final Consumer<String> announce;
    private final LongSupplier currentVersion;
    private boolean rollingBack;
    /** Policy versions below this were made before the latest rollback: their evaluations judge an abandoned branch. */
    private long branchStart;

    /**
     * @param currentVersion the newest policy version the coordinator has heard of
     * @param announce tells the dashboard, in one line, what happened
     */
    public Rollback(Path runDir, CoordinatorSettings settings, CoordinatorState state, LearnerBus learners, RunLog log,
                    LongSupplier currentVersion, Consumer<String> announce) {
        this.runDir = runDir;
        this.settings = settings;
        this.state = state;
        this.learners = learners;
        this.log = log;
        this.currentVersion = currentVersion;
        this.announce = announce;
    }

    /** Rolls back after a fault of {@code who}; one at a time, later notices during one are ignored. */
    public void onFault(String who, String why) {
        if (rollingBack) return;
        Optional<FinetuneCheckpoint> ck;
        try {
            ck = FinetuneCheckpoint.newestIntact(runDir, (p, e) -> Log.warn("coordinator", "skipping checkpoint " + p + ": " + e));
        } catch (IOException e) {
            ck = Optional.empty();
        }
        if (ck.isEmpty()) {
            Log.warn("coordinator", "numerical fault in the " + who + " (" + why + ") but no intact checkpoint to roll back to");
            return;
        }
        rollBack(ck.get(), settings.nanLrFactor(), "numerical fault in the " + who + " (" + why + ")", who, why);
    }

    /**
     * True when a periodic evaluation of {@code version}, not the best, scored {@code score} on the curve's metric
     * (lower is better) and that is a collapse: the guard is on and the score is worse than the factor times the best
     * one. Evaluations of versions made before the latest rollback never are: that branch was already left.
     */
    public boolean isCollapse(long version, double score) {
        double factor = settings.collapseFactor();
        Double best = state.bestScore();
        return factor > 0 && best != null && version >= branchStart && !(score <= factor * best);
    }

    /**
     * Rolls back to {@code checkpoints/best} after the evaluation of {@code version} scored {@code score}; call once
     * the best checkpoint is written.
     */
    public void onCollapse(long version, double score) {
        if (rollingBack) return;
        String metric = state.metric();
        String what = String.format("quality collapse: %s %.4g at policy v%d is worse than %sx the best %.4g (v%d)", metric, score,
                version, trim(settings.collapseFactor()), state.bestScore(), state.bestVersion());
        FinetuneCheckpoint from;
        try {
            from = FinetuneCheckpoint.read(runDir.resolve("checkpoints").resolve("best"));
        } catch (RuntimeException e) {
            Log.warn("coordinator", what + ", but checkpoints/best cannot be read (" + e.getMessage() + "): the run goes on");
            return;
        }
        rollBack(from, settings.collapseLrFactor(), what, "collapse", metric + " " + score);
    }

    private void rollBack(FinetuneCheckpoint from, double factor, String what, String who, String why) {
        rollingBack = true;
        long before = currentVersion.getAsLong();
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
            // the generator announced the restored policy under a new version before it replied: what comes next is the new branch
            branchStart = currentVersion.getAsLong();
            String line = String.format("%s: rolled back to %s (policy v%d; %d update(s) lost), "
                            + "learning rates x%s (policy %.3g, critic %.3g, value %.3g)%s", what, from.dir().getFileName(),
                    from.policyVersion(), Math.max(0, before - from.policyVersion()), trim(factor),
                    settings.baseLr("generator") * lrScale, settings.baseLr("discriminator") * lrScale,
                    settings.baseLr("value") * lrScale, ar.succeeded() ? "" : "; the rollback failed: " + ar.cause().getMessage());
            Log.warn("coordinator", line);
            log.write(new JsonObject().put("event", "rollback").put("from", who).put("reason", why)
                    .put("checkpoint", from.dir().getFileName().toString()).put("policyVersion", from.policyVersion())
                    .put("lrScale", lrScale).put("ok", ar.succeeded()));
            announce.accept(line);
        });
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
