package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.fid.Fid;
import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.io.AtomicFiles;
import dev.sftpg.io.RunDirLock;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Evaluator;
import dev.sftpg.train.PretrainedModel;
import dev.sftpg.verticles.CoordinatorVerticle;
import dev.sftpg.verticles.DashboardVerticle;
import dev.sftpg.verticles.Deployer;
import dev.sftpg.verticles.RoleWiring;
import dev.sftpg.verticles.RunSpec;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.cluster.ClusterFactory;
import dev.sftpg.verticles.cluster.ClusterKey;
import dev.sftpg.verticles.cluster.ClusterNetwork;
import dev.sftpg.verticles.coordinator.Evaluations;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code sftpg run}: a whole SFT-PG run on a clustered Vert.x in this JVM (pretraining first when the preset's
 * pretrained model is missing). Stops at the budget or on Ctrl-C with a final checkpoint and report.json.
 */
final class RunCommand {
    static final List<String> ROLES = List.of("rollout", "discriminator", "value", "generator");

    private final PrintStream out, err;

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static List<String> parseRoles(String roles) {
        return parseRoles(roles, ROLES);
    }

    static List<String> parseRoles(String roles, List<String> allowed) {
        if (roles == null) return allowed;
        List<String> list = Arrays.stream(roles.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String r : list)
            if (!allowed.contains(r)) throw new UsageException("unknown role '" + r + "' (roles: " + String.join(", ", allowed) + ")");
        return list;
    }

    static String randomTokenFor(Config config) {
        return config.get(ConfigSchema.DASHBOARD_TOKEN).isEmpty() ? randomToken() : config.get(ConfigSchema.DASHBOARD_TOKEN);
    }

    /**
     * Deploys the dashboard and returns its URL; a port that cannot be bound closes this process's cluster node
     * and is reported with {@code fix}.
     */
    static String startDashboard(Vertx vertx, DashboardVerticle dashboard, String host, int port, String fix) throws Exception {
        try {
            Deployer.deployEventLoop(vertx, dashboard).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            vertx.close();
            throw new UsageException("the dashboard cannot listen on " + host + ":" + port + " (" + e.getCause().getMessage() + "): " + fix);
        }
        return "http://" + host + ":" + port + "/";
    }

    /** Facts about the run the dashboard shows in its header. */
    static JsonObject runInfo(String runId, Config config, SftPgSetup setup, String where) {
        return new JsonObject().put("runId", runId).put("preset", config.presetName())
                .put("sampler", setup.sampler().name()).put("batchSize", setup.batch()).put("nCritic", setup.nCritic())
                .put("policyLr", config.get(ConfigSchema.FINETUNE_LR)).put("lambda", setup.lambda()).put("runDir", where);
    }

    /** A model pretrained under other settings (e.g. before a preset changed) is used as it is, but not silently. */
    private void warnIfMadeDifferently(PretrainedModel pretrained, Path dir, Config config) {
        List<String> differ = pretrained.config().differingKeys(config).stream()
                .filter(k -> k.startsWith("data.") || k.startsWith("diffusion.") || k.startsWith("model.") || k.startsWith("pretrain."))
                .filter(k -> !k.equals(ConfigSchema.PRETRAIN_LOG_EVERY.name()))
                .map(k -> k + " " + pretrained.config().values().get(k) + " there, " + config.values().get(k) + " here")
                .toList();
        if (!differ.isEmpty())
            err.println("note: the pretrained model " + dir + " was made with other settings (" + String.join("; ", differ)
                    + "); it is used as it is: delete that folder to pretrain it again with these, or set finetune.pretrained");
    }

    /**
     * The pretrained sampler's scores the run's curve is compared with (every metric of the task), the name of the
     * primary metric, and the data's own floor of it.
     */
    private static JsonObject evaluateInitial(Config config, SftPgSetup setup, PretrainedModel pretrained) {
        int n = config.get(ConfigSchema.EVAL_N), seeds = config.get(ConfigSchema.EVAL_SEEDS);
        Evaluator ev = Evaluator.of(config, setup.diffusion().task(), n, seeds);
        Evaluator.SamplerScore floor = ev.dataFloor();
        return Evaluations.scoreJson(ev.score(setup.sampler().name(), pretrained.network(), setup.sampler(), null))
                .put("metric", floor.primary())
                .put("dataFloor", new JsonObject().put("mean", floor.primaryScore().mean()).put("std", floor.primaryScore().std()));
    }

    /** "SWD 0.0577 -> 0.0123, sharpness 11.52 -> 1.77": the primary metric's mean and the sharpness from init to final. */
    private static String change(JsonObject init, JsonObject fin, String metric) {
        double from = init.getJsonObject(metric, new JsonObject()).getDouble("mean", Double.NaN);
        if (!fin.containsKey(metric))
            return String.format("%s %.4f -> no final evaluation (see the log)", metric.toUpperCase(java.util.Locale.ROOT), from);
        double to = fin.getJsonObject(metric).getDouble("mean", Double.NaN);
        return String.format("%s %.4f -> %.4f", metric.toUpperCase(java.util.Locale.ROOT), from, to) + (init.containsKey("sharpness")
                ? String.format(", sharpness %.2f -> %.2f", init.getDouble("sharpness"), fin.getDouble("sharpness", Double.NaN)) : "");
    }

    /** "SWD 0.0577 +- 0.0014, sharpness 11.52" of an init or final score as evaluateInitial and the report write them. */
    private static String describe(JsonObject score, String metric) {
        JsonObject primary = score.getJsonObject(metric, new JsonObject());
        return String.format("%s %.4f +- %.4f", metric.toUpperCase(java.util.Locale.ROOT), primary.getDouble("mean", Double.NaN),
                primary.getDouble("std", Double.NaN)) + (score.containsKey("sharpness")
                ? String.format(", sharpness %.2f", score.getDouble("sharpness")) : "");
    }

    /**
     * Starts this process's cluster node; a node that cannot start (address not on this machine, ports taken) is
     * exit 2 naming {@code portKey} and the address options.
     */
    static Vertx startNode(String clusterName, ClusterNetwork network, String portKey) throws Exception {
        var starting = ClusterFactory.start(clusterName, network);
        try {
            return starting.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            starting.onSuccess(Vertx::close); // a node that comes up late must not linger
            String why = e instanceof TimeoutException ? "no answer within 120 s" : String.valueOf(e.getCause().getMessage());
            throw new UsageException("could not start a cluster node for " + clusterName + " on " + network.describe() + " (" + why
                    + "): check that " + network.bindHost() + " is an address of this machine, and that Hazelcast ports from "
                    + network.port() + " (" + portKey + ")" + (network.busPort() == 0 ? "" : " and event-bus port " + network.busPort())
                    + " are free");
        }
    }

    /** The worker options that differ from a worker's defaults, for the printed join command. */
    private static String joinHint(Vertx vertx) {
        String address = ClusterFactory.localAddress(vertx);
        return address == null || address.equals("127.0.0.1:5701") ? "" : " --cluster " + address;
    }

    private static String randomToken() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    int run(String[] argv) throws Exception {
        Args args = Args.parse("run", argv, 1, Set.of("config", "run-dir", "roles", "resume"), Set.of("no-dashboard", "force"));
        if (args.get("resume") != null && args.get("run-dir") != null)
            throw new UsageException("--resume RUN_DIR continues that folder: drop --run-dir");
        if (args.flag("force") && args.get("resume") == null) throw new UsageException("--force only applies with --resume RUN_DIR");
        Resume resume = args.get("resume") == null ? null
                : Resume.plan(Path.of(args.get("resume")), args.get("config"), args.sets(), System.getenv(), args.flag("force"), err);
        Config config = resume != null ? resume.config() : ConfigLoader.load(args.get("config"), args.sets(), System.getenv());
        List<String> roles = parseRoles(args.get("roles"));
        ClusterNetwork.of(config); // bad addresses are refused before any work
        Path pretrainedDir = PretrainedModel.dirFor(config);
        // before any work: a deterministic policy, or data that cannot be split into training and evaluation sets
        Diffusion diffusion = new Diffusion(config);
        diffusion.policySampler().requireStochastic();
        diffusion.task();
        Fid.requireClassifier(config); // the fid metric's classifier, which every evaluation of fashion-mnist needs
        String runId = resume != null ? resume.runId() : LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 4);
        Path runDir = resume != null ? resume.runDir() : args.get("run-dir") != null ? Path.of(args.get("run-dir"))
                : Path.of("runs", config.presetName(), "run-" + runId);
        if (resume == null && (Files.isDirectory(runDir.resolve("checkpoints")) || Files.exists(runDir.resolve("report.json"))))
            throw new UsageException("run folder " + runDir + " already holds a run: continue it with --resume " + runDir
                    + ", or choose another --run-dir");
        try (RunDirLock lock = lockRunDir(runDir)) {
            return run(args, config, roles, pretrainedDir, runId, runDir, resume);
        }
    }

    private static RunDirLock lockRunDir(Path runDir) throws IOException {
        try {
            return RunDirLock.acquire(runDir);
        } catch (RunDirLock.InUseException e) {
            throw new UsageException(e.getMessage() + ": stop it first (Ctrl-C), or wait for it to end");
        }
    }

    private int run(Args args, Config config, List<String> roles, Path pretrainedDir, String runId, Path runDir, Resume resume)
            throws Exception {
        Nd4jRuntime.configure();
        if (!Files.isDirectory(pretrainedDir)) {
            if (resume != null)
                throw new UsageException("the pretrained model " + pretrainedDir + " this run started from is gone: restore it, or set finetune.pretrained");
            err.println("no pretrained model at " + pretrainedDir + ": pretraining it first");
            PretrainCommand.pretrain(config, pretrainedDir, err);
        }
        PretrainedModel pretrained = PretrainedModel.load(pretrainedDir);
        warnIfMadeDifferently(pretrained, pretrainedDir, config);
        AtomicFiles.writeString(runDir.resolve("config.json"), config.toJson());
        // this coordinator's start time names its incarnation of the run: a resume elsewhere starts a newer one
        long now = System.currentTimeMillis(), incarnation = resume == null ? now : resume.incarnation(now);
        if (incarnation != now)
            err.printf("this machine's clock is at least %.1f s behind the one of the coordinator that wrote the checkpoint:"
                    + " this incarnation is numbered %d, after its %d%n", (resume.previousIncarnation() - now) / 1000.0, incarnation,
                    resume.previousIncarnation());
        RunSpec spec = new RunSpec(runId, incarnation, config, pretrained.shape());
        SftPgSetup setup = spec.setup();

        int n = config.get(ConfigSchema.EVAL_N), seeds = config.get(ConfigSchema.EVAL_SEEDS);
        JsonObject initial;
        if (resume != null) {
            FinetuneCheckpoint ck = resume.checkpoint();
            initial = new JsonObject(ck.coordinator().path("initial").toString());
            err.printf("run %s (%s): resuming from %s (policy v%d, %.0f s into the run)%n", runId, config.presetName(), ck.dir(),
                    ck.policyVersion(), ck.seconds());
        } else {
            err.printf("run %s (%s): evaluating the pretrained %s sampler (%,d points x %d seeds) ...%n", runId,
                    config.presetName(), setup.sampler().name(), n, seeds);
            initial = evaluateInitial(config, setup, pretrained);
        }
        String metric = initial.getString("metric", "swd");
        err.printf("initial %s: %s (data floor %s %.4f)%n", setup.sampler().name(), describe(initial, metric),
                metric.toUpperCase(java.util.Locale.ROOT), initial.getJsonObject("dataFloor", new JsonObject()).getDouble("mean", Double.NaN));

        String clusterName = RunSpec.clusterName(config, runId);
        ClusterNetwork network = ClusterNetwork.of(config);
        if (config.get(ConfigSchema.CLUSTER_TLS)) network = network.withKey(ClusterKey.ensure(runDir));
        Vertx vertx = startNode(clusterName, network, "cluster.port");
        AtomicBoolean ending = new AtomicBoolean();
        // once the workers are told to stop, their leaving is the expected end, not news
        vertx.eventBus().consumer(spec.addresses().control(), m -> {
            if ("stop".equals(m.headers().get("command"))) ending.set(true);
        });
        ClusterFactory.onMemberLeft(vertx, member -> {
            if (!ending.get()) Log.info("cluster", "member " + member + " left the cluster (a worker process stopped or was killed);"
                    + " rollout workers it hosted are declared lost after train.workerTimeout");
        });
        Promise<JsonObject> finished = Promise.promise();
        RoleWiring wiring = new RoleWiring(spec);
        String dashboardUrl = null, token = null;
        if (config.get(ConfigSchema.DASHBOARD_ENABLED) && !args.flag("no-dashboard")) {
            token = randomTokenFor(config);
            String dHost = config.get(ConfigSchema.DASHBOARD_HOST);
            int dPort = config.get(ConfigSchema.DASHBOARD_PORT);
            JsonObject runInfo = runInfo(runId, config, setup, runDir.toString());
            dashboardUrl = startDashboard(vertx, wiring.dashboard(dHost, dPort, token, runInfo), dHost, dPort,
                    "set dashboard.port to a free port or pass --no-dashboard");
        }
        FinetuneCheckpoint from = resume == null ? null : resume.checkpoint();
        CoordinatorVerticle coordinator = wiring.coordinator(runDir, pretrained.network(),
                pretrainedDir.resolve(PretrainedModel.WEIGHTS_FILE), initial, finished, from);
        Deployer.deploy(vertx, coordinator, "coordinator").toCompletionStage().toCompletableFuture().get();
        int workers = config.get(ConfigSchema.TRAIN_ROLLOUT_WORKERS);
        RoleWiring.Rollouts rollouts = new RoleWiring.Rollouts(workers, i -> "rollout-" + i, i -> i, pretrained.network(), false);
        for (RoleWiring.Hosted h : wiring.learners(roles, role -> from == null ? null : from.learner(role), pretrained.network(), rollouts))
            Deployer.deploy(vertx, h.verticle(), h.pool()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        err.printf("run %s: cluster %s on %s with %s; run folder %s%n", runId, clusterName, network.describe(), String.join(", ", roles), runDir);
        err.printf("add rollout workers with: ./sftpg worker --role rollout --cluster-name %s%s%n", clusterName, joinHint(vertx));
        if (network.key() != null)
            err.printf("the event bus is TLS with mutual authentication: copy %s to each worker machine and start workers with %s=/path/to/%s%n",
                    network.key(), ClusterKey.ENV, ClusterKey.FILE);
        if (dashboardUrl != null)
            err.printf("dashboard: %s  (control token: %s)%n", dashboardUrl, token);

        AtomicBoolean summarised = new AtomicBoolean();
        Consumer<JsonObject> summary = report -> {
            if (!summarised.compareAndSet(false, true)) return;
            JsonObject fin = report.getJsonObject("final", new JsonObject());
            out.printf("run %s finished (%s) in %.0f s: %d generator steps, %d critic steps (%.1f/s); %s; report %s%n",
                    runId, report.getString("stopReason"), report.getDouble("wallSeconds"), report.getLong("generatorSteps"),
                    report.getLong("criticSteps"), report.getDouble("criticStepsPerSecond"), change(initial, fin, metric),
                    runDir.resolve("report.json"));
            out.flush();
        };
        Thread hook = new Thread(() -> {
            Log.info("run", "interrupted: finishing gracefully (final checkpoint, then the final evaluation and report; "
                    + "kill -9 abandons them, the checkpoint stays)");
            vertx.runOnContext(v -> coordinator.finish("interrupted"));
            try {
                // the JVM halts when this hook returns, so the summary is printed here rather than by the main thread;
                // an image run's final evaluation (thousands of samples through the UNet) takes minutes on 2 cores
                summary.accept(finished.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES));
            } catch (Exception ignored) {
                // exiting anyway
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        JsonObject report = finished.future().toCompletionStage().toCompletableFuture().get();
        ending.set(true);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what brought us here
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        summary.accept(report);
        if (coordinator.superseded()) {
            err.println("run " + runId + " was resumed by a newer coordinator and goes on there; this one stopped (no final checkpoint)");
            return Main.FAILURE;
        }
        if (coordinator.failed()) {
            err.println("the run stopped on a fault (" + report.getString("stopReason") + "); continue it with: sftpg run --resume " + runDir);
            return Main.FAILURE;
        }
        return Main.OK;
    }
}
