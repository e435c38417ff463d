package dev.sftpg.verticles;

import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.messages.MetricsReport;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.Wire;
import dev.sftpg.verticles.coordinator.Budget;
import dev.sftpg.verticles.coordinator.Checkpointer;
import dev.sftpg.verticles.coordinator.CoordinatorSettings;
import dev.sftpg.verticles.coordinator.CoordinatorState;
import dev.sftpg.verticles.coordinator.DashboardControl;
import dev.sftpg.verticles.coordinator.EvaluationQueue;
import dev.sftpg.verticles.coordinator.Evaluations;
import dev.sftpg.verticles.coordinator.LearnerBus;
import dev.sftpg.verticles.coordinator.Provenance;
import dev.sftpg.verticles.coordinator.Liveness;
import dev.sftpg.verticles.coordinator.Report;
import dev.sftpg.verticles.coordinator.Rollback;
import dev.sftpg.verticles.coordinator.RunLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Runs the run, as the adapter between the bus and the plain objects that do each job: it serves the run's
 * description to joining processes, feeds every metrics snapshot to the {@link RunLog}, has announced policies
 * evaluated off its own thread ({@link EvaluationQueue}) and checkpointed ({@link Checkpointer}), watches the
 * {@link Budget} and {@link Liveness}, answers the {@link DashboardControl}, rolls back on numerical faults
 * ({@link Rollback}), and at the end writes the final checkpoint, the final evaluation and the {@link Report}.
 */
public final class CoordinatorVerticle extends LearnerVerticle implements DashboardControl.Run {

    private final RunSpec spec;
    private final CoordinatorSettings settings;
    private final Path runDir;
    private final Supplier<Evaluations> evaluationsFactory;
    private final Path pretrainedModelFile;
    private final Promise<JsonObject> finished;
    private final FinetuneCheckpoint resumed;
    private final CoordinatorState state;
    private final Budget budget;
    private final Liveness liveness;
    private final Map<String, JsonObject> latest = new TreeMap<>();
    private LearnerRequests learners;
    private MessageConsumer<Buffer> runInfo;
    private RunLog runLog;
    private Checkpointer checkpointer;
    private EvaluationQueue evaluations;
    private DashboardControl control;
    private Rollback rollback;
    private PolicyWeights current;
    private long startMillis, lastEvaluationAsked = -1;
    private boolean finishing, failed, superseded;
    private final double elapsedBefore;

    /**
     * @param evaluations         makes the evaluations, whose network then belongs to the evaluation thread
     * @param pretrainedModelFile the pretrained model the run fine-tunes, whose hash the report carries
     * @param initial             the pretrained sampler's evaluation ({@code swd}, {@code sharpness}, ...)
     * @param finished            completed with the report when the run has ended
     * @param resumed             the checkpoint a resumed run continues from, or null
     */
    public CoordinatorVerticle(RunSpec spec, CoordinatorSettings settings, Path runDir, Supplier<Evaluations> evaluations,
                               Path pretrainedModelFile, JsonObject initial, Promise<JsonObject> finished, FinetuneCheckpoint resumed) {
        super("coordinator", "coordinator", spec.addresses());
        this.spec = spec;
        this.settings = settings;
        this.runDir = runDir;
        this.evaluationsFactory = evaluations;
        this.pretrainedModelFile = pretrainedModelFile;
        this.finished = finished;
        this.resumed = resumed;
        this.state = new CoordinatorState(spec.runId(), spec.incarnation(), initial);
        this.budget = new Budget(settings.maxMinutes(), settings.maxGeneratorSteps());
        this.liveness = new Liveness(spec.addresses(), settings.learnerTimeoutMillis());
        if (resumed != null) {
            state.resumeFrom(resumed.coordinator());
            lastEvaluationAsked = state.lastEvaluated();
        }
        elapsedBefore = resumed == null ? 0 : resumed.seconds();
    }

    @Override
    public Future<?> start() throws IOException {
        startMillis = System.currentTimeMillis();
        runLog = RunLog.open(runDir, role);
        // the pause is a hold the user asked for, and after the final cut nothing more may be produced
        learners = new LearnerRequests(vertx, wire, bus, id, () -> control.paused() || finishing);
        checkpointer = new Checkpointer(runDir, spec.config(), settings.keepCheckpoints(), learners, state, this::elapsedSeconds, runLog);
        if (resumed != null) checkpointer.resumedAt(resumed.policyVersion());
        evaluations = new EvaluationQueue(vertx, evaluationsFactory.get());
        control = new DashboardControl(this, runLog);
        rollback = new Rollback(runDir, settings, state, learners, runLog, () -> current == null ? 0 : current.version(),
                line -> vertx.eventBus().publish(bus.events(), new JsonObject().put("type", "rollback").put("message", line)));
        runInfo = vertx.eventBus().<Buffer>consumer(Addresses.RUN_INFO, m -> m.reply(spec.toJson()));
        vertx.eventBus().<Buffer>consumer(bus.metrics(), this::onMetrics);
        vertx.eventBus().<Buffer>consumer(bus.policyAnnounce(), this::onPolicy);
        vertx.eventBus().<JsonObject>consumer(bus.controlRequest(), this::onControl);
        vertx.eventBus().<JsonObject>consumer(bus.fault(), this::onFault);
        for (String r : LearnerBus.LEARNERS) // learners hosted by worker processes start from the same checkpoint as ours
            vertx.eventBus().<Buffer>consumer(bus.startState(r), m -> m.reply(resumed == null ? Buffer.buffer() : Wire.encode(resumed.learner(r))));
        vertx.eventBus().<Buffer>consumer(Addresses.HEARTBEAT, this::onHeartbeat);
        vertx.setPeriodic(1000, t -> {
            vertx.eventBus().publish(Addresses.HEARTBEAT, Buffer.buffer(), bus.heartbeat(wire.from()));
            checkLearners();
            checkBudget();
        });
        startMetrics();
        runLog.write(new JsonObject().put("event", resumed != null ? "resume" : "start").put("runId", spec.runId())
                .put("initial", state.initial()).put("incarnation", liveness.incarnation()));
        // a fresh run's first checkpoint is its starting point: resume and rollback always have one to go back to
        if (resumed == null) checkpointer.step(0);
        return Future.succeededFuture();
    }

    private void onHeartbeat(Message<Buffer> m) {
        if (finishing || !liveness.supersededBy(Addresses.ofHeartbeat(m))) return;
        Log.warn(role, "a newer coordinator of run " + spec.runId() + " joined the cluster (resumed elsewhere): this one stops");
        failed = true;
        superseded = true;
        runInfo.unregister(); // a process joining now belongs to the newer coordinator
        finish("superseded by a resumed coordinator of this run");
    }

    private void checkLearners() {
        if (finishing) return;
        Liveness.Lost lost = liveness.lostLearner();
        if (lost == null) return;
        Log.warn(role, "the " + lost.learner() + " learner is lost (silent for " + lost.silentMillis() / 1000
                + " s): stopping; continue with: sftpg run --resume " + runDir);
        failed = true;
        finish("the " + lost.learner() + " learner was lost");
    }

    private void checkBudget() {
        if (finishing) return;
        String reason = budget.exhausted(elapsedSeconds(), current == null ? 0 : current.version());
        if (reason != null) finish(reason);
    }

    private void onFault(Message<JsonObject> m) {
        if (finishing || m.body() == null) return;
        rollback.onFault(m.body().getString("role", "?"), m.body().getString("reason", ""));
    }

    private void onMetrics(Message<Buffer> m) {
        MetricsReport r = wire.decode(m, MetricsReport.class);
        if (r == null) return;
        JsonObject json = new JsonObject(r.json()).put("time", r.timestampMillis());
        latest.put(r.source(), json);
        liveness.heard(r.source());
        runLog.write(new JsonObject().put("event", "metrics").put("source", r.source()).put("metrics", json));
    }

    private void onPolicy(Message<Buffer> m) {
        PolicyWeights w = wire.decode(m, PolicyWeights.class);
        if (w == null || (current != null && w.version() <= current.version())) return;
        current = w;
        checkBudget(); // first: the end's hold then starts before an evaluation can let more updates through
        int evalEvery = settings.evalEvery(), ckptEvery = settings.checkpointEvery();
        // a resumed run's first announcement is the checkpoint's own version: already evaluated and written
        // (at the end the final evaluation stands in: a periodic one now would hold up the hold's delivery)
        if (!finishing && evalEvery > 0 && w.version() % evalEvery == 0 && w.version() != lastEvaluationAsked) {
            lastEvaluationAsked = w.version();
            evaluations.submit(w, settings.evalN(), 1).onSuccess(this::onEvaluated)
                    .onFailure(e -> Log.warn(role, "evaluation of policy v" + w.version() + " failed: " + e.getMessage()));
        }
        if (!finishing && ckptEvery > 0 && w.version() % ckptEvery == 0 && w.version() != checkpointer.lastStep())
            checkpointer.step(w.version());
    }

    /** A periodic evaluation, back on this thread in version order: the curve, the log, the dashboard, maybe best. */
    private void onEvaluated(Evaluations.Result r) {
        JsonObject point = Evaluations.curvePoint(r.version(), elapsedSeconds(), r.score());
        boolean best = state.addPeriodic(point);
        runLog.write(new JsonObject().put("event", "eval").mergeIn(point).put("evaluationSeconds", r.seconds()));
        Log.info(role, String.format("policy v%d after %.0fs: %s (%d samples)", r.version(), elapsedSeconds(),
                Evaluations.summary(r.score()), r.points()));
        JsonObject event = point.copy().put("type", "eval");
        if (r.samples() != null) event.put("samples", r.samplesJson());
        vertx.eventBus().publish(bus.events(), event);
        // a run that lost a learner or its cluster cannot take a consistent snapshot any more
        if (best && !failed) checkpointer.best(r.weights());
        double score = point.getDouble(state.metric());
        if (!best && !failed && !finishing && rollback.isCollapse(r.version(), score))
            checkpointer.idle().onComplete(x -> {
                if (!finishing) rollback.onCollapse(r.version(), score);
            });
    }

    private void onControl(Message<JsonObject> m) {
        String action = m.body() == null ? "" : m.body().getString("action", "");
        control.handle(action).onSuccess(m::reply).onFailure(e -> m.fail(e instanceof DashboardControl.Refused r ? r.code() : 500,
                e.getMessage()));
    }

    @Override
    public void end(String reason) {
        finish(reason);
    }

    @Override
    public Future<Long> checkpointNow() {
        if (current == null) return Future.failedFuture(new DashboardControl.Refused(409, "no policy version yet"));
        return checkpointer.step(current.version()).map(v -> current.version());
    }

    @Override
    public void hold(boolean on) {
        learners.hold(on);
    }

    private double elapsedSeconds() {
        return elapsedBefore + (System.currentTimeMillis() - startMillis) / 1000.0;
    }

    // ------------------------------------------------------------------ the end

    /** Stops the workers, writes the final checkpoint, evaluation and report; idempotent. */
    public Future<JsonObject> finish(String reason) {
        if (finishing) return finished.future();
        finishing = true;
        Log.info(role, "stopping: " + reason);
        Future<?> last;
        if (superseded) {
            last = Future.succeededFuture(); // the cluster belongs to the newer coordinator now: touch nothing
        } else if (failed) {
            // a learner is gone, so no consistent final state exists: workers wait for `run --resume` instead of leaving
            vertx.eventBus().publish(bus.control(), Buffer.buffer(), wire.from().addHeader("command", "suspend"));
            last = Future.succeededFuture();
        } else {
            // hold first: credits already out still come back as batches, none go out again, so the final cut is
            // the same whatever the timing; workers are told to stop once it is written
            last = learners.hold()
                    .compose(q -> learners.currentPolicy())
                    .map(reply -> {
                        PolicyWeights w = wire.decode(reply, PolicyWeights.class);
                        if (w != null) current = w;
                        return null;
                    })
                    .compose(v -> current != null ? checkpointer.step(current.version()) : Future.succeededFuture())
                    .onComplete(ar -> vertx.eventBus().publish(bus.control(), Buffer.buffer(), wire.from().addHeader("command", "stop")));
        }
        // the final evaluation queues behind any periodic one still running, and the report waits for both and for
        // the checkpoints (best included) they lead to
        last.transform(x -> finalEvaluation())
                .compose(fin -> checkpointer.idle().transform(x -> Future.succeededFuture(fin)))
                .onComplete(ar -> {
                    try {
                        finished.complete(writeReport(reason, ar.succeeded() ? ar.result() : new JsonObject()));
                    } catch (Exception e) {
                        finished.fail(e);
                    }
                    evaluations.close();
                });
        return finished.future();
    }

    private Future<JsonObject> finalEvaluation() {
        if (current == null) return Future.succeededFuture(new JsonObject());
        int n = settings.finalEvalN(), seeds = settings.finalEvalSeeds();
        PolicyWeights w = current;
        return evaluations.idle().compose(x -> {
            Log.info(role, "final evaluation: " + n + " points x " + seeds + " seeds");
            return evaluations.submit(w, n, seeds);
        }).map(r -> {
            state.addFinal(Evaluations.curvePoint(r.version(), elapsedSeconds(), r.score()), settings.evalEvery() > 0);
            return Evaluations.scoreJson(r.score());
        }).onFailure(e -> Log.warn(role, "the final evaluation failed (" + e.getMessage() + "): report.json has no final "
                + "scores; score the final checkpoint with: sftpg eval --checkpoint " + runDir));
    }

    /** Whether the run ended on a fault (a lost learner, superseded): the command exits non-zero. */
    public boolean failed() {
        return failed;
    }

    /** Whether a newer coordinator of the run took over: the run goes on there, nothing is left to resume here. */
    public boolean superseded() {
        return superseded;
    }

    private JsonObject writeReport(String reason, JsonObject finalScore) throws IOException {
        Report.Ending end = new Report.Ending(spec.runId(), spec.config().presetName(), spec.setup().sampler().name(), reason,
                failed, elapsedSeconds(), current == null ? 0 : current.version(), finalScore,
                Provenance.of(pretrainedModelFile, spec.config()));
        JsonObject report = Report.build(end, state, latest, checkpointer.lastCut());
        Report.write(runDir, report);
        runLog.write(new JsonObject().put("event", "finish").put("report", report));
        runLog.close();
        return report;
    }

    @Override
    JsonObject metrics() {
        return new JsonObject().put("elapsedSeconds", elapsedSeconds())
                .put("policyVersion", current == null ? 0 : current.version()).put("lastEvaluated", state.lastEvaluated())
                .put("runId", spec.runId()).put("preset", spec.config().presetName()).put("paused", control.paused())
                .put("maxMinutes", settings.maxMinutes()).put("maxGeneratorSteps", settings.maxGeneratorSteps())
                .put("checkpoints", state.checkpoints()).put("initial", state.initial())
                .put("rollbacks", state.rollbacks()).put("lrScale", state.lrScale()).put("incarnation", liveness.incarnation())
                .put("bestScore", state.bestScore());
    }
}
