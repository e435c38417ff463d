package dev.sftpg.verticles;

import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Points;
import dev.sftpg.io.AtomicFiles;
import dev.sftpg.io.ScatterPlot;
import dev.sftpg.messages.MetricsReport;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.train.Evaluator;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
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
    private static final int KEEP_CHECKPOINTS = 3;

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
    private BufferedWriter metricsLog;
    private PolicyWeights current;
    private long startMillis, lastEvaluated = -1, lastCheckpointed = -1;
    private boolean finishing, paused;
    private double bestSwd = Double.POSITIVE_INFINITY;
    private JsonObject best;

    /**
     * @param evalPolicy a network of the policy's architecture, used to evaluate announced weights
     * @param initial    the pretrained sampler's evaluation ({@code swd}, {@code sharpness}, ...)
     * @param finished   completed with the report when the run has ended
     */
    public CoordinatorVerticle(RunSpec spec, Path runDir, ConditionalMlp evalPolicy, Points plotData, JsonObject initial,
                               Promise<JsonObject> finished) {
        super("coordinator", "coordinator");
        this.spec = spec;
        this.setup = spec.setup();
        this.runDir = runDir;
        this.evalPolicy = evalPolicy;
        this.plotData = plotData;
        this.initial = initial;
        this.finished = finished;
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
        vertx.setPeriodic(1000, t -> checkBudget());
        startMetrics();
        log(new JsonObject().put("event", "start").put("runId", spec.runId()).put("initial", initial));
        return Future.succeededFuture();
    }

    private int cfg(dev.sftpg.config.ConfigKey<Integer> k) {
        return spec.config().get(k);
    }

    private void onMetrics(Message<Buffer> m) {
        MetricsReport r = wire.decode(m, MetricsReport.class);
        if (r == null) return;
        JsonObject json = new JsonObject(r.json()).put("time", r.timestampMillis());
        latest.put(r.source(), json);
        log(new JsonObject().put("event", "metrics").put("source", r.source()).put("metrics", json));
    }

    private void onPolicy(Message<Buffer> m) {
        PolicyWeights w = wire.decode(m, PolicyWeights.class);
        if (w == null || (current != null && w.version() <= current.version())) return;
        current = w;
        int evalEvery = cfg(ConfigSchema.TRAIN_EVAL_EVERY), ckptEvery = cfg(ConfigSchema.TRAIN_CHECKPOINT_EVERY);
        if (evalEvery > 0 && w.version() % evalEvery == 0) evaluate(w, cfg(ConfigSchema.TRAIN_EVAL_N), 1, false);
        if (ckptEvery > 0 && w.version() % ckptEvery == 0) checkpoint(w.version(), String.format("step-%06d", w.version()), null);
        checkBudget();
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
                paused = action.equals("pause");
                vertx.eventBus().publish(Addresses.CONTROL, Buffer.buffer(), wire.from().addHeader("command", action));
                Log.info(role, "rollouts " + (paused ? "paused" : "resumed") + " from the dashboard");
                log(new JsonObject().put("event", action));
                m.reply(new JsonObject().put("ok", true).put("action", action));
            }
            default -> m.fail(400, "unknown action '" + action + "' (pause, resume, checkpoint, stop)");
        }
    }

    private double elapsedSeconds() {
        return (System.currentTimeMillis() - startMillis) / 1000.0;
    }

    /** Scores the weights; the periodic curve uses few points and one seed, the final one eval.n and eval.seeds. */
    private Evaluator.SamplerScore evaluate(PolicyWeights w, int n, int seeds, boolean quietLog) {
        evalPolicy.parameters().setFloats(w.params());
        Evaluator ev = new Evaluator(setup.diffusion().dataSource(), n, seeds, spec.config().get(ConfigSchema.EVAL_PROJECTIONS),
                Math.min(n, spec.config().get(ConfigSchema.EVAL_BATCH)));
        Evaluator.SamplerScore s = ev.score("sft-pg-" + setup.sampler().steps(), evalPolicy, setup.sampler(), null);
        lastEvaluated = w.version();
        JsonObject point = new JsonObject().put("generatorStep", w.version()).put("seconds", elapsedSeconds())
                .put("swd", s.swd().mean()).put("sharpness", s.sharpness().mean()).put("mmd", s.mmd().mean());
        if (!quietLog) {
            curve.add(point);
            log(new JsonObject().put("event", "eval").mergeIn(point));
            Log.info(role, String.format("policy v%d after %.0fs: SWD %.4f, sharpness %.2f (%d points)", w.version(),
                    elapsedSeconds(), s.swd().mean(), s.sharpness().mean(), n));
            Points samples = writeSamplePlot(w.version());
            JsonObject event = point.copy().put("type", "eval");
            if (samples != null) event.put("samples", new JsonArray(toList(samples.values())));
            vertx.eventBus().publish(Addresses.EVENTS, event);
            if (s.swd().mean() < bestSwd) {
                bestSwd = s.swd().mean();
                best = point;
                checkpoint(w.version(), "best", w);
            }
        }
        return s;
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
     * Asks each learner for weights and optimiser state and writes them as one checkpoint directory,
     * {@code checkpoints/step-N} (the last few kept) or {@code checkpoints/best} (the best periodic SWD so far).
     */
    private Future<Void> checkpoint(long version, String dirName, PolicyWeights evaluated) {
        if (dirName.startsWith("step-")) lastCheckpointed = version;
        List<Future<Message<Buffer>>> parts = new ArrayList<>();
        String[] roles = {"generator", "discriminator", "value"};
        for (String r : roles) parts.add(vertx.eventBus().request(Addresses.snapshot(r), Buffer.buffer(), wire.from()));
        return Future.all(parts).compose(all -> {
            Map<String, float[]> tensors = new java.util.LinkedHashMap<>();
            for (int i = 0; i < roles.length; i++) {
                Object[] pair = wire.decodePair(parts.get(i).result(), PolicyWeights.class, PolicyWeights.class);
                if (pair == null) return Future.failedFuture("malformed snapshot from " + roles[i]);
                String name = roles[i].equals("generator") ? "policy" : roles[i].equals("discriminator") ? "critic" : "value";
                // the best checkpoint holds exactly the policy that was evaluated, not a few updates later's
                boolean exact = name.equals("policy") && evaluated != null;
                tensors.put(name + ".params", exact ? evaluated.params() : ((PolicyWeights) pair[0]).params());
                tensors.put(name + ".optimizer", ((PolicyWeights) pair[1]).params());
            }
            Path dir = runDir.resolve("checkpoints").resolve(dirName);
            try {
                FinetuneCheckpoint.write(dir, spec.config(), version, elapsedSeconds(), tensors);
                if (dirName.startsWith("step-")) {
                    checkpoints.add(dirName);
                    pruneCheckpoints();
                }
                log(new JsonObject().put("event", "checkpoint").put("policyVersion", version).put("dir", dir.toString()));
                return Future.<Void>succeededFuture();
            } catch (IOException e) {
                return Future.<Void>failedFuture(e);
            }
        }).onFailure(e -> Log.warn(role, "checkpoint at version " + version + " failed: " + e.getMessage()));
    }

    private void pruneCheckpoints() throws IOException {
        Path root = runDir.resolve("checkpoints");
        try (var dirs = Files.list(root)) {
            List<Path> all = dirs.filter(p -> p.getFileName().toString().startsWith("step-")).sorted(Comparator.reverseOrder()).toList();
            for (Path old : all.subList(Math.min(KEEP_CHECKPOINTS, all.size()), all.size())) deleteTree(old);
        }
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
        vertx.eventBus().publish(Addresses.CONTROL, Buffer.buffer(), wire.from().addHeader("command", "stop"));
        // let in-flight batches drain, then snapshot the final state
        vertx.setTimer(500, t -> vertx.eventBus().<Buffer>request(Addresses.POLICY_WEIGHTS, Buffer.buffer(), wire.from())
                .map(reply -> {
                    PolicyWeights w = wire.decode(reply, PolicyWeights.class);
                    if (w != null) current = w;
                    return null;
                })
                .compose(v -> current != null && lastCheckpointed != current.version() ? checkpoint(current.version(), String.format("step-%06d", current.version()), null) : Future.succeededFuture())
                .onComplete(ar -> {
                    try {
                        finished.complete(writeReport(reason));
                    } catch (Exception e) {
                        finished.fail(e);
                    }
                }));
        return finished.future();
    }

    private JsonObject writeReport(String reason) throws IOException {
        int n = spec.config().get(ConfigSchema.EVAL_N), seeds = spec.config().get(ConfigSchema.EVAL_SEEDS);
        JsonObject fin = new JsonObject();
        if (current != null) {
            Log.info(role, "final evaluation: " + n + " points x " + seeds + " seeds");
            Evaluator.SamplerScore s = evaluate(current, n, seeds, true);
            writeSamplePlot(current.version());
            fin.put("swd", new JsonObject().put("mean", s.swd().mean()).put("std", s.swd().std()))
                    .put("sharpness", s.sharpness().mean()).put("mmd", s.mmd().mean());
        }
        JsonObject gen = latest.getOrDefault("generator", new JsonObject());
        JsonObject disc = latest.getOrDefault("discriminator", new JsonObject());
        // batches per worker as the generator received them: a worker killed between its own metrics
        // snapshots still shows up here, with every batch that reached the learners
        JsonObject perWorker = new JsonObject();
        long rollouts = 0, rejected = 0;
        JsonObject workers = gen.getJsonObject("workers", new JsonObject());
        for (String w : workers.fieldNames()) {
            long b = workers.getJsonObject(w).getLong("batches", 0L);
            perWorker.put(w, b);
            rollouts += b;
        }
        for (JsonObject m : latest.values()) rejected += m.getLong("rejectedMessages", 0L);
        double wall = elapsedSeconds();
        long criticSteps = disc.getLong("criticSteps", 0L);
        JsonObject report = new JsonObject()
                .put("runId", spec.runId()).put("preset", spec.config().presetName()).put("stopReason", reason)
                .put("sampler", setup.sampler().name())
                .put("init", initial).put("final", fin)
                .put("wallSeconds", wall)
                .put("rollouts", rollouts).put("criticSteps", criticSteps)
                .put("generatorSteps", current == null ? 0 : current.version())
                .put("criticStepsPerSecond", criticSteps / Math.max(1e-9, wall))
                .put("perWorkerBatches", perWorker)
                .put("droppedForPolicyLag", gen.getLong("droppedForPolicyLag", 0L))
                .put("rejectedMessages", rejected)
                .put("checkpoints", new JsonArray(checkpoints))
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
                .put("bestSwd", best == null ? null : best.getDouble("swd"));
    }
}
