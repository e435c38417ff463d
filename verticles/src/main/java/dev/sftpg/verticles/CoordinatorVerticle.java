package dev.sftpg.verticles;

import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Points;
import dev.sftpg.io.AtomicFiles;
import dev.sftpg.io.ScatterPlot;
import dev.sftpg.messages.LearnerState;
import dev.sftpg.messages.MetricsReport;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.train.Evaluator;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.Requests;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the run: serves its description to joining processes, logs every metrics snapshot to metrics.jsonl,
 * evaluates the policy every {@code train.evalEvery} versions (the SWD curve), checkpoints all three learners,
 * enforces the budget, and at the end writes the final checkpoint, the final evaluation and report.json.
 */
public final class CoordinatorVerticle extends LearnerVerticle {
    private static final List<String> LEARNERS = List.of("generator", "discriminator", "value");
    private static final long REPLY_WAIT_MILLIS = 30_000;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final RunSpec spec;
    private final dev.sftpg.finetune.SftPgSetup setup;
    private final Path runDir;
    private final ConditionalMlp evalPolicy;
    private final Points plotData;
    private final JsonObject initial;
    private final Promise<JsonObject> finished;
    private final Map<String, JsonObject> latest = new TreeMap<>();
    private final JsonArray curve = new JsonArray();
    private final List<String> checkpoints = new ArrayList<>();
    private final Map<String, Long> learnerSeen = new TreeMap<>();
    private final long incarnation = System.currentTimeMillis();
    private BufferedWriter metricsLog;
    private PolicyWeights current;
    private long startMillis, lastEvaluated = -1, lastCheckpointed = -1, rollbacks;
    private boolean finishing, paused, rollingBack, failed, superseded;
    private double lrScale = 1, elapsedBefore;
    private JsonObject best;
    private Future<Void> checkpointing = Future.succeededFuture();
    private final FinetuneCheckpoint resumed;
    /** The learners' states at the latest step checkpoint: exact counters for the report. */
    private Map<String, LearnerState> lastCut = Map.of();

    /**
     * @param evalPolicy a network of the policy's architecture, used to evaluate announced weights
     * @param initial    the pretrained sampler's evaluation ({@code swd}, {@code sharpness}, ...)
     * @param finished   completed with the report when the run has ended
     * @param resumed    the coordinator state of the checkpoint a resumed run continues from, or null
     */
    public CoordinatorVerticle(RunSpec spec, Path runDir, ConditionalMlp evalPolicy, Points plotData, JsonObject initial,
                               Promise<JsonObject> finished, FinetuneCheckpoint resumed) {
        super("coordinator", "coordinator");
        this.spec = spec;
        this.setup = spec.setup();
        this.runDir = runDir;
        this.evalPolicy = evalPolicy;
        this.plotData = plotData;
        this.initial = initial;
        this.finished = finished;
        this.resumed = resumed;
        if (resumed != null) {
            JsonObject c = new JsonObject(resumed.coordinator().toString());
            c.getJsonArray("curve", new JsonArray()).forEach(curve::add);
            best = c.getJsonObject("best");
            c.getJsonArray("checkpoints", new JsonArray()).forEach(x -> checkpoints.add((String) x));
            rollbacks = c.getLong("rollbacks", 0L);
            lrScale = c.getDouble("lrScale", 1.0);
            Long evaluated = c.getLong("lastEvaluated");
            lastEvaluated = evaluated == null ? -1 : evaluated;
            elapsedBefore = resumed.seconds();
            lastCheckpointed = resumed.policyVersion();
        }
    }

    /** What a resumed coordinator needs: the curve and best so far, the rollbacks and their learning-rate scale. */
    private com.fasterxml.jackson.databind.node.ObjectNode state() {
        JsonObject c = new JsonObject().put("runId", spec.runId()).put("initial", initial).put("curve", curve.copy())
                .put("best", best)
                .put("checkpoints", new JsonArray(new ArrayList<>(checkpoints))).put("rollbacks", rollbacks)
                .put("lrScale", lrScale).put("lastEvaluated", lastEvaluated);
        try {
            return (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(c.encode());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Future<?> start() throws IOException {
        startMillis = System.currentTimeMillis();
        metricsLog = Files.newBufferedWriter(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        vertx.eventBus().<Buffer>consumer(Addresses.RUN_INFO, m -> m.reply(spec.toJson()));
        vertx.eventBus().<Buffer>consumer(Addresses.METRICS, this::onMetrics);
        vertx.eventBus().<Buffer>consumer(Addresses.POLICY_ANNOUNCE, this::onPolicy);
        vertx.eventBus().<JsonObject>consumer(Addresses.CONTROL_REQUEST, this::onControl);
        vertx.eventBus().<JsonObject>consumer(Addresses.FAULT, this::onFault);
        for (String r : LEARNERS) // learners hosted by worker processes start from the same checkpoint as ours
            vertx.eventBus().<Buffer>consumer(Addresses.startState(r), m -> m.reply(resumed == null ? Buffer.buffer() : Wire.encode(resumed.learner(r))));
        vertx.eventBus().<Buffer>consumer(Addresses.HEARTBEAT, this::onHeartbeat);
        vertx.setPeriodic(1000, t -> {
            vertx.eventBus().publish(Addresses.HEARTBEAT, Buffer.buffer(), wire.from().addHeader("runId", spec.runId())
                    .addHeader("incarnation", Long.toString(incarnation)));
            checkLearners();
            checkBudget();
        });
        startMetrics();
        log(new JsonObject().put("event", resumed != null ? "resume" : "start").put("runId", spec.runId())
                .put("initial", initial).put("incarnation", incarnation));
        // a fresh run's first checkpoint is its starting point: resume and rollback always have one to go back to
        if (resumed == null) checkpoint(0, "step-000000", null);
        return Future.succeededFuture();
    }

    /** Another coordinator of this run (a resumed one): the older of the two stops, so the cluster never has two brains. */
    private void onHeartbeat(Message<Buffer> m) {
        String runId = m.headers().get("runId"), inc = m.headers().get("incarnation");
        if (inc == null || !spec.runId().equals(runId) || Long.parseLong(inc) <= incarnation || finishing) return;
        Log.warn(role, "a newer coordinator of run " + runId + " joined the cluster (resumed elsewhere): this one stops");
        failed = true;
        superseded = true;
        finish("superseded by a resumed coordinator of this run");
    }

    /** A learner whose heartbeat stopped cannot be replaced in place: stop with a checkpoint to resume from. */
    private void checkLearners() {
        if (finishing) return;
        long now = System.currentTimeMillis();
        long timeout = (long) (spec.config().get(ConfigSchema.TRAIN_LEARNER_TIMEOUT) * 1000);
        for (Map.Entry<String, Long> e : learnerSeen.entrySet()) {
            if (now - e.getValue() < timeout) continue;
            Log.warn(role, "the " + e.getKey() + " learner is lost (silent for " + (now - e.getValue()) / 1000
                    + " s): stopping; continue with: sftpg run --resume " + runDir);
            failed = true;
            finish("the " + e.getKey() + " learner was lost");
            return;
        }
    }

    /** Repeated non-finite updates: every learner goes back to the newest intact checkpoint, learning rates lowered. */
    private void onFault(Message<JsonObject> m) {
        if (rollingBack || finishing || m.body() == null) return;
        rollingBack = true;
        String who = m.body().getString("role", "?"), why = m.body().getString("reason", "");
        java.util.Optional<FinetuneCheckpoint> ck;
        try {
            ck = FinetuneCheckpoint.newestIntact(runDir, (p, e) -> Log.warn(role, "skipping checkpoint " + p + ": " + e));
        } catch (IOException e) {
            ck = java.util.Optional.empty();
        }
        if (ck.isEmpty()) {
            Log.warn(role, "numerical fault in the " + who + " (" + why + ") but no intact checkpoint to roll back to");
            rollingBack = false;
            return;
        }
        FinetuneCheckpoint from = ck.get();
        double factor = spec.config().get(ConfigSchema.TRAIN_NAN_LR_FACTOR);
        lrScale *= factor;
        long lostFrom = current == null ? 0 : current.version();
        hold(true).compose(q -> {
            List<Future<?>> restores = new ArrayList<>();
            for (String r : LEARNERS) {
                LearnerState saved = from.learner(r);
                LearnerState s = LearnerState.of(r, saved.counters().put("lr", baseLr(r) * lrScale).put("lrScale", lrScale),
                        saved.tensors());
                restores.add(Requests.request(vertx, Addresses.restore(r), Wire.encode(s), bounded(), id, REPLY_WAIT_MILLIS));
            }
            return Future.all(restores);
        }).compose(x -> release()).onComplete(ar -> {
            rollingBack = false;
            rollbacks++;
            String line = String.format("numerical fault in the %s (%s): rolled back to %s (policy v%d; %d update(s) lost), "
                            + "learning rates x%s (policy %.3g, critic %.3g, value %.3g)%s", who, why, from.dir().getFileName(),
                    from.policyVersion(), Math.max(0, lostFrom - from.policyVersion()), factor, baseLr("generator") * lrScale,
                    baseLr("discriminator") * lrScale, baseLr("value") * lrScale,
                    ar.succeeded() ? "" : "; the rollback failed: " + ar.cause().getMessage());
            Log.warn(role, line);
            log(new JsonObject().put("event", "rollback").put("from", who).put("reason", why)
                    .put("checkpoint", from.dir().getFileName().toString()).put("lrScale", lrScale).put("ok", ar.succeeded()));
            vertx.eventBus().publish(Addresses.EVENTS, new JsonObject().put("type", "rollback").put("message", line));
        });
    }

    private double baseLr(String learner) {
        return spec.config().get(switch (learner) {
            case "generator" -> ConfigSchema.FINETUNE_LR;
            case "discriminator" -> ConfigSchema.FINETUNE_CRITIC_LR;
            default -> ConfigSchema.FINETUNE_VALUE_LR;
        });
    }

    /** Holds (or releases) the generator's credits; holding completes once nothing is in flight. */
    private Future<Boolean> hold(boolean on) {
        return Requests.request(vertx, Addresses.GENERATOR_HOLD, Buffer.buffer(new JsonObject().put("hold", on).encode()),
                bounded(), id, REPLY_WAIT_MILLIS).map(r -> new JsonObject(r.body()).getBoolean("quiescent", true));
    }

    /**
     * Ends a hold taken for a checkpoint or a rollback, unless the run is paused (the pause is a hold the user
     * asked for) or ending (nothing more may be produced after the final cut).
     */
    private Future<?> release() {
        return paused || finishing ? Future.succeededFuture() : hold(false);
    }

    private int cfg(dev.sftpg.config.ConfigKey<Integer> k) {
        return spec.config().get(k);
    }

    private void onMetrics(Message<Buffer> m) {
        MetricsReport r = wire.decode(m, MetricsReport.class);
        if (r == null) return;
        JsonObject json = new JsonObject(r.json()).put("time", r.timestampMillis());
        latest.put(r.source(), json);
        if (LEARNERS.contains(r.source())) learnerSeen.put(r.source(), System.currentTimeMillis());
        log(new JsonObject().put("event", "metrics").put("source", r.source()).put("metrics", json));
    }

    private void onPolicy(Message<Buffer> m) {
        PolicyWeights w = wire.decode(m, PolicyWeights.class);
        if (w == null || (current != null && w.version() <= current.version())) return;
        current = w;
        checkBudget(); // first: the end's hold then starts before an evaluation can let more updates through
        int evalEvery = cfg(ConfigSchema.TRAIN_EVAL_EVERY), ckptEvery = cfg(ConfigSchema.TRAIN_CHECKPOINT_EVERY);
        // a resumed run's first announcement is the checkpoint's own version: already evaluated and written
        // (at the end the final evaluation stands in: a periodic one now would hold up the hold's delivery)
        if (!finishing && evalEvery > 0 && w.version() % evalEvery == 0 && w.version() != lastEvaluated)
            evaluate(w, cfg(ConfigSchema.TRAIN_EVAL_N), 1, false);
        if (!finishing && ckptEvery > 0 && w.version() % ckptEvery == 0 && w.version() != lastCheckpointed)
            checkpoint(w.version(), String.format("step-%06d", w.version()), null);
    }

    /** Control actions from the dashboard (which has already checked the token). */
    private void onControl(Message<JsonObject> m) {
        String action = m.body() == null ? "" : m.body().getString("action", "");
        switch (action) {
            case "stop" -> {
                finish("stopped from the dashboard");
                m.reply(new JsonObject().put("ok", true).put("action", action));
            }
            case "checkpoint" -> {
                if (current == null) {
                    m.fail(409, "no policy version yet");
                    return;
                }
                checkpoint(current.version(), String.format("step-%06d", current.version()), null)
                        .onSuccess(v -> m.reply(new JsonObject().put("ok", true).put("action", action).put("policyVersion", current.version())))
                        .onFailure(e -> m.fail(500, e.getMessage()));
            }
            case "pause", "resume" -> {
                // pausing is holding the generator: credits out come back as batches, none go out, so a paused run is
                // quiescent and a checkpoint taken meanwhile is a consistent cut
                paused = action.equals("pause");
                hold(paused);
                Log.info(role, "rollouts " + (paused ? "paused" : "resumed") + " from the dashboard");
                log(new JsonObject().put("event", action));
                m.reply(new JsonObject().put("ok", true).put("action", action));
            }
            default -> m.fail(400, "unknown action '" + action + "' (pause, resume, checkpoint, stop)");
        }
    }

    private double elapsedSeconds() {
        return elapsedBefore + (System.currentTimeMillis() - startMillis) / 1000.0;
    }

    /** Scores the weights; the periodic curve uses few points and one seed, the final one eval.n and eval.seeds. */
    private Evaluator.SamplerScore evaluate(PolicyWeights w, int n, int seeds, boolean quietLog) {
        evalPolicy.parameters().setFloats(w.params());
        Evaluator ev = Evaluator.of(spec.config(), setup.diffusion().task(), n, seeds);
        Evaluator.SamplerScore s = ev.score("sft-pg-" + setup.sampler().steps(), evalPolicy, setup.sampler(), null);
        lastEvaluated = w.version();
        JsonObject point = curvePoint(w.version(), s);
        if (!quietLog) {
            curve.add(point);
            log(new JsonObject().put("event", "eval").mergeIn(point));
            Log.info(role, String.format("policy v%d after %.0fs: SWD %.4f, sharpness %.2f (%d points)", w.version(),
                    elapsedSeconds(), s.swd().mean(), s.sharpness().mean(), n));
            Points samples = writeSamplePlot(w.version());
            JsonObject event = point.copy().put("type", "eval");
            if (samples != null) event.put("samples", new JsonArray(toList(samples.values())));
            vertx.eventBus().publish(Addresses.EVENTS, event);
            if (best == null || s.swd().mean() < best.getDouble("swd")) {
                best = point;
                checkpoint(w.version(), "best", w);
            }
        }
        return s;
    }

    /** One point of the SWD curve: the policy version, the run's elapsed seconds and the scores (means). */
    private JsonObject curvePoint(long version, Evaluator.SamplerScore s) {
        return new JsonObject().put("generatorStep", version).put("seconds", elapsedSeconds())
                .put("swd", s.swd().mean()).put("sharpness", s.sharpness().mean()).put("mmd", s.mmd().mean());
    }

    /** A sampler's scores as the report writes them ({@code init} and {@code final}): SWD mean and std, sharpness, MMD. */
    public static JsonObject scoreJson(Evaluator.SamplerScore s) {
        return new JsonObject().put("swd", new JsonObject().put("mean", s.swd().mean()).put("std", s.swd().std()))
                .put("sharpness", s.sharpness().mean()).put("mmd", s.mmd().mean());
    }

    /** Samples 2,000 points of the policy under evaluation, writes their plot, and returns them (null for 1-D data). */
    private Points writeSamplePlot(long version) {
        if (spec.dim() < 2) return null;
        int n = 2000;
        Points samples = new Points(n, spec.dim(), TrajectorySampler.sampleFinal(evalPolicy, setup.sampler(), n, n, 3));
        try {
            ScatterPlot.writePng(runDir.resolve("samples").resolve(String.format("step-%06d.png", version)), samples, plotData,
                    spec.config().presetName() + " SFT-PG policy v" + version, 600);
        } catch (IOException e) {
            Log.warn(role, "could not write the sample plot: " + e.getMessage());
        }
        return samples;
    }

    private static List<Float> toList(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float f : v) out.add(f);
        return out;
    }

    /**
     * Writes one checkpoint directory of all three learners' whole state, {@code checkpoints/step-N} (the last
     * {@code train.keepCheckpoints} kept) or {@code checkpoints/best} (the best periodic SWD so far, holding exactly
     * the evaluated policy). A step checkpoint first holds the generator until nothing is in flight, so the three
     * states are one consistent cut that a resumed run continues exactly; checkpoints never overlap.
     */
    private Future<Void> checkpoint(long version, String dirName, PolicyWeights evaluated) {
        boolean step = dirName.startsWith("step-");
        if (step) lastCheckpointed = version;
        Future<Void> mine = checkpointing.transform(x -> writeCheckpoint(version, dirName, evaluated, step));
        checkpointing = mine.transform(x -> Future.succeededFuture());
        return mine;
    }

    private Future<Void> writeCheckpoint(long version, String dirName, PolicyWeights evaluated, boolean step) {
        Future<Boolean> held = step ? hold(true) : Future.succeededFuture(true);
        return held.compose(quiet -> {
            List<Future<Message<Buffer>>> parts = new ArrayList<>();
            for (String r : LEARNERS)
                parts.add(Requests.request(vertx, Addresses.snapshot(r), Buffer.buffer(), bounded(), id, REPLY_WAIT_MILLIS));
            return Future.all(parts).compose(all -> {
                Map<String, LearnerState> states = new java.util.LinkedHashMap<>();
                for (int i = 0; i < LEARNERS.size(); i++) {
                    LearnerState st = wire.decode(parts.get(i).result(), LearnerState.class);
                    if (st == null) return Future.failedFuture("malformed state from the " + LEARNERS.get(i));
                    states.put(LEARNERS.get(i), st);
                }
                if (evaluated != null) { // the best checkpoint holds exactly the policy that was evaluated
                    LearnerState g = states.get("generator");
                    Map<String, float[]> t = new java.util.LinkedHashMap<>(g.tensors());
                    t.put("params", evaluated.params());
                    states.put("generator", new LearnerState(g.role(), g.json(), t));
                }
                Path dir = runDir.resolve("checkpoints").resolve(dirName);
                long policyVersion = states.get("generator").counters().path("version").asLong(version);
                try {
                    FinetuneCheckpoint.write(dir, spec.config(), policyVersion, elapsedSeconds(), states,
                            state().put("quiescent", quiet));
                    if (step) {
                        lastCut = states;
                        if (!checkpoints.contains(dirName)) checkpoints.add(dirName);
                        pruneCheckpoints();
                    }
                    log(new JsonObject().put("event", "checkpoint").put("policyVersion", policyVersion).put("dir", dir.toString())
                            .put("consistent", quiet));
                    return Future.<Void>succeededFuture();
                } catch (IOException e) {
                    return Future.<Void>failedFuture(e);
                }
            });
        }).transform(ar -> {
            Future<?> released = step ? release() : Future.succeededFuture();
            return released.transform(r -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause()));
        }).onFailure(e -> Log.warn(role, "checkpoint " + dirName + " failed: " + e.getMessage()));
    }

    private void pruneCheckpoints() throws IOException {
        List<Path> all = FinetuneCheckpoint.stepsNewestFirst(runDir);
        int keep = cfg(ConfigSchema.TRAIN_KEEP_CHECKPOINTS);
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) deleteTree(old);
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    private void checkBudget() {
        if (finishing) return;
        double maxMinutes = spec.config().get(ConfigSchema.TRAIN_MAX_MINUTES);
        int maxSteps = cfg(ConfigSchema.TRAIN_MAX_GENERATOR_STEPS);
        boolean timeUp = elapsedSeconds() >= maxMinutes * 60;
        boolean stepsDone = maxSteps > 0 && current != null && current.version() >= maxSteps;
        if (timeUp || stepsDone) finish(timeUp ? "time budget reached" : "generator step budget reached");
    }

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
            vertx.eventBus().publish(Addresses.CONTROL, Buffer.buffer(), wire.from().addHeader("command", "suspend"));
            last = Future.succeededFuture();
        } else {
            // hold first: credits already out still come back as batches, none go out again, so the final cut is
            // the same whatever the timing; workers are told to stop once it is written
            last = hold(true)
                    .compose(q -> Requests.request(vertx, Addresses.POLICY_WEIGHTS, Buffer.buffer(), bounded(), id, REPLY_WAIT_MILLIS))
                    .map(reply -> {
                        PolicyWeights w = wire.decode(reply, PolicyWeights.class);
                        if (w != null) current = w;
                        return null;
                    })
                    .compose(v -> current != null ? checkpoint(current.version(), String.format("step-%06d", current.version()), null)
                            : Future.succeededFuture())
                    .onComplete(ar -> vertx.eventBus().publish(Addresses.CONTROL, Buffer.buffer(), wire.from().addHeader("command", "stop")));
        }
        last.onComplete(ar -> {
            try {
                finished.complete(writeReport(reason));
            } catch (Exception e) {
                finished.fail(e);
            }
        });
        return finished.future();
    }

    /** Delivery options of the coordinator's own requests: bounded, so a lost learner can never stall the end of a run. */
    private io.vertx.core.eventbus.DeliveryOptions bounded() {
        return wire.from().setSendTimeout(REPLY_WAIT_MILLIS);
    }

    /** Whether the run ended on a fault (a lost learner, superseded): the command exits non-zero. */
    public boolean failed() {
        return failed;
    }

    private JsonObject writeReport(String reason) throws IOException {
        int n = spec.config().get(ConfigSchema.EVAL_N), seeds = spec.config().get(ConfigSchema.EVAL_SEEDS);
        JsonObject fin = new JsonObject();
        if (current != null) {
            Log.info(role, "final evaluation: " + n + " points x " + seeds + " seeds");
            Evaluator.SamplerScore s = evaluate(current, n, seeds, true);
            writeSamplePlot(current.version());
            fin = scoreJson(s);
            boolean onCurve = !curve.isEmpty() && curve.getJsonObject(curve.size() - 1).getLong("generatorStep") == current.version();
            if (cfg(ConfigSchema.TRAIN_EVAL_EVERY) > 0 && !onCurve) curve.add(curvePoint(current.version(), s));
        }
        JsonObject gen = latest.getOrDefault("generator", new JsonObject());
        JsonObject disc = latest.getOrDefault("discriminator", new JsonObject());
        // counters from the final cut when there is one (exact, and a worker killed between its own metrics
        // snapshots still counts every batch that reached the learners), else from the last metrics snapshots
        JsonObject cutGen = lastCut.containsKey("generator") ? new JsonObject(lastCut.get("generator").json()) : null;
        JsonObject workers = cutGen != null ? cutGen.getJsonObject("workers", new JsonObject()) : gen.getJsonObject("workers", new JsonObject());
        JsonObject perWorker = new JsonObject();
        long rollouts = 0, rejected = 0;
        for (String w : workers.fieldNames()) {
            long b = workers.getJsonObject(w).getLong("batches", 0L);
            perWorker.put(w, b);
            rollouts += b;
        }
        for (JsonObject m : latest.values()) rejected += m.getLong("rejectedMessages", 0L);
        double wall = elapsedSeconds();
        long criticSteps = lastCut.containsKey("discriminator") ? lastCut.get("discriminator").counters().path("steps").asLong()
                : disc.getLong("criticSteps", 0L);
        JsonObject report = new JsonObject()
                .put("runId", spec.runId()).put("preset", spec.config().presetName()).put("stopReason", reason)
                .put("sampler", setup.sampler().name())
                .put("init", initial).put("final", fin)
                .put("wallSeconds", wall)
                .put("rollouts", rollouts).put("criticSteps", criticSteps)
                .put("generatorSteps", current == null ? 0 : current.version())
                .put("criticStepsPerSecond", criticSteps / Math.max(1e-9, wall))
                .put("perWorkerBatches", perWorker)
                .put("droppedForPolicyLag", cutGen != null ? cutGen.getLong("dropped", 0L) : gen.getLong("droppedForPolicyLag", 0L))
                .put("rejectedMessages", rejected)
                .put("checkpoints", new JsonArray(checkpoints))
                .put("failed", failed).put("rollbacks", rollbacks).put("lrScale", lrScale)
                .put("workersLost", gen.getLong("workersLost", 0L)).put("lostBatches", disc.getLong("lostBatches", 0L))
                .put("best", best == null ? null : best.copy().put("checkpoint", "best"))
                .put("curve", curve);
        AtomicFiles.writeString(runDir.resolve("report.json"), report.encodePrettily() + "\n");
        log(new JsonObject().put("event", "finish").put("report", report));
        metricsLog.close();
        metricsLog = null;
        return report;
    }

    private void log(JsonObject line) {
        if (metricsLog == null) return; // the run has ended
        try {
            metricsLog.write(line.put("t", System.currentTimeMillis()).encode());
            metricsLog.newLine();
            metricsLog.flush();
        } catch (IOException e) {
            Log.warn(role, "metrics log write failed: " + e.getMessage());
        }
    }

    @Override
    JsonObject metrics() {
        return new JsonObject().put("elapsedSeconds", elapsedSeconds())
                .put("policyVersion", current == null ? 0 : current.version()).put("lastEvaluated", lastEvaluated)
                .put("runId", spec.runId()).put("preset", spec.config().presetName()).put("paused", paused)
                .put("maxMinutes", spec.config().get(ConfigSchema.TRAIN_MAX_MINUTES))
                .put("maxGeneratorSteps", cfg(ConfigSchema.TRAIN_MAX_GENERATOR_STEPS))
                .put("checkpoints", new JsonArray(new ArrayList<>(checkpoints))).put("initial", initial)
                .put("rollbacks", rollbacks).put("lrScale", lrScale).put("incarnation", incarnation)
                .put("bestSwd", best == null ? null : best.getDouble("swd"));
    }
}
