package dev.sftpg.cli;

import dev.sftpg.config.ConfigSchema;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.messages.MessageCodecs;
import dev.sftpg.train.PretrainedModel;
import dev.sftpg.verticles.Deployer;
import dev.sftpg.verticles.RoleWiring;
import dev.sftpg.verticles.RunSpec;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.IncarnationConsumers;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.cluster.ClusterFactory;
import dev.sftpg.verticles.cluster.ClusterKey;
import dev.sftpg.verticles.cluster.ClusterNetwork;
import dev.sftpg.verticles.coordinator.LearnerBus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code sftpg worker}: join a running cluster and host more roles (typically rollout workers) until the run stops. */
final class WorkerCommand {
    private final PrintStream out, err;

    WorkerCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws Exception {
        Args args = Args.parse("worker", argv, 1, Set.of("role", "instances", "cluster", "cluster-name", "port", "join-timeout",
                "http-port", "reattach-timeout", "bind", "public-host", "bus-port"), Set.of());
        List<String> allowed = new ArrayList<>(RunCommand.ROLES);
        allowed.add("dashboard");
        List<String> roles = RunCommand.parseRoles(args.require("role", "rollout"), allowed);
        String clusterName = args.require("cluster-name", "sftpg-20261125-120000-ab12 (printed by `run`)");
        String members = args.get("cluster") != null ? args.get("cluster") : "127.0.0.1";
        int instances = args.intOption("instances", 1, 1);
        int port = args.intOption("port", 5701, 1);
        int busPort = args.intOption("bus-port", 0, 0);
        if (port > 65535 || busPort > 65535) throw new UsageException("--port and --bus-port take a port number, 1..65535");
        int joinTimeout = args.intOption("join-timeout", 60, 1);
        int reattachTimeout = args.intOption("reattach-timeout", 300, 1);
        ClusterNetwork probe = ClusterNetwork.resolve("127.0.0.1", null, members, port, busPort, "--bind", "--public-host", "--cluster");
        String bind = args.get("bind") != null ? args.get("bind") : routeTo(probe.members().get(0));
        ClusterNetwork network = ClusterNetwork.resolve(bind, args.get("public-host"), members, port, busPort, "--bind", "--public-host",
                "--cluster").withKey(ClusterKey.fromEnvironment(System.getenv()));
        Nd4jRuntime.configure();
        Vertx vertx = RunCommand.startNode(clusterName, network, "--port");
        AtomicBoolean leaving = new AtomicBoolean();
        ClusterFactory.onMemberLeft(vertx, member -> {
            if (!leaving.get()) Log.info("worker", "member " + member + " left the cluster (if it was the run's process, this worker"
                    + " waits for `sftpg run --resume`)");
        });
        RunSpec spec = fetchRunSpec(vertx, clusterName, joinTimeout);
        SftPgSetup setup = spec.setup();
        Network architecture = setup.diffusion().epsilonSpec(spec.shape()).build(0);
        String base = "w" + ProcessHandle.current().pid();
        CountDownLatch stopped = new CountDownLatch(1);
        CoordinatorWatch watch = new CoordinatorWatch(spec.runId(), reattachTimeout,
                (long) (spec.config().get(ConfigSchema.TRAIN_WORKER_TIMEOUT) * 1000));
        // learners hold the state of the incarnation they joined: a newer one (a resume) starts its own from a
        // checkpoint, so such a process leaves, to be started again; rollout workers alone follow the run
        boolean hostsLearners = roles.stream().anyMatch(LearnerBus.LEARNERS::contains);
        AtomicBoolean superseded = new AtomicBoolean();
        IncarnationConsumers control = new IncarnationConsumers(vertx.eventBus(), spec.addresses());
        control.consumer(Addresses::control, m -> {
            if ("stop".equals(m.headers().get("command"))) stopped.countDown();
            if ("suspend".equals(m.headers().get("command"))) watch.suspended();
        });
        vertx.eventBus().consumer(Addresses.HEARTBEAT, m -> {
            Addresses beat = Addresses.ofHeartbeat(m);
            Addresses at = control.at();
            // an older coordinator still beating is no news of the run this process serves
            if (beat == null || !beat.runId().equals(at.runId()) || beat.incarnation() < at.incarnation()) return;
            watch.beat(beat.runId());
            if (!at.supersededBy(beat)) return;
            if (!hostsLearners) control.moveTo(beat);
            else if (superseded.compareAndSet(false, true)) stopped.countDown();
        });
        vertx.setPeriodic(1000, t -> {
            if (watch.gaveUp()) stopped.countDown();
        });
        RoleWiring wiring = new RoleWiring(spec);
        if (roles.contains("dashboard")) {
            int httpPort = args.intOption("http-port", spec.config().get(ConfigSchema.DASHBOARD_PORT), 1);
            String dHost = spec.config().get(ConfigSchema.DASHBOARD_HOST);
            String token = RunCommand.randomTokenFor(spec.config());
            String url = RunCommand.startDashboard(vertx, wiring.dashboard(dHost, httpPort, token,
                    RunCommand.runInfo(spec.runId(), spec.config(), setup, "(another process)")), dHost, httpPort,
                    "pass --http-port with a free port");
            err.printf("dashboard: %s  (control token: %s)%n", url, token);
        }
        Network pretrained = roles.contains("generator")
                ? PretrainedModel.load(PretrainedModel.dirFor(spec.config())).network() : null;
        int firstNumber = (int) (ProcessHandle.current().pid() % 100_000) * 10 + 1;
        RoleWiring.Rollouts rollouts = new RoleWiring.Rollouts(instances, i -> base + "-" + i, i -> firstNumber + i, architecture, true);
        for (RoleWiring.Hosted h : wiring.learners(roles, role -> startState(vertx, spec, role), pretrained, rollouts))
            Deployer.deploy(vertx, h.verticle(), h.pool()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        err.printf("worker %s joined run %s with %s%n", base, spec.runId(), roles.equals(List.of("rollout"))
                ? instances + " rollout worker(s)" : String.join(", ", roles));
        stopped.await();
        leaving.set(true);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (superseded.get()) {
            err.println("worker " + base + ": run " + spec.runId() + " was resumed; the " + String.join(", ",
                    roles.stream().filter(LearnerBus.LEARNERS::contains).toList()) + " learner(s) here held the previous incarnation's"
                    + " state, and the resumed run starts from its checkpoint: start this worker again to host them there");
            return Main.FAILURE;
        }
        if (watch.gaveUp()) {
            err.println("worker " + base + ": the run's coordinator has been gone for " + reattachTimeout + " s and no `sftpg run --resume`"
                    + " came back: leaving (start the worker again once the run is resumed)");
            return Main.FAILURE;
        }
        Log.info("worker", "the run stopped; left the cluster");
        return Main.OK;
    }

    /**
     * This machine's address on the route to {@code member}: what to bind when joining a run elsewhere. A UDP
     * socket's connect only consults the routing table; nothing is sent.
     */
    static String routeTo(String member) {
        String host = member.contains(":") && member.indexOf(':') == member.lastIndexOf(':') ? member.substring(0, member.indexOf(':')) : member;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            java.net.InetAddress target = java.net.InetAddress.getByName(host);
            if (target.isLoopbackAddress()) return "127.0.0.1";
            s.connect(target, 9);
            java.net.InetAddress local = s.getLocalAddress();
            if (local == null || local.isAnyLocalAddress()) throw new java.io.IOException("no route");
            return local.getHostAddress();
        } catch (java.io.IOException e) {
            throw new UsageException("cannot tell which address of this machine reaches " + host + " (" + e.getMessage()
                    + "): pass --bind with this machine's address on that network");
        }
    }

    /** The state a worker-hosted learner starts from: the resumed checkpoint's, or null for a fresh run. */
    private static LearnerState startState(Vertx vertx, RunSpec spec, String role) throws Exception {
        Buffer body = vertx.eventBus().<Buffer>request(spec.addresses().startState(role), Buffer.buffer())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
        return body == null || body.length() == 0 ? null
                : MessageCodecs.decode(body.getBytes(), LearnerState.class);
    }

    /**
     * The run, from its coordinator, whose consumer becomes visible a few seconds after the cluster forms: retried
     * until the timeout. While a resumed run and its old coordinator coexist either may answer, in turn: asked twice,
     * the newer incarnation is believed (and a newer one yet is followed from its heartbeats). Nothing listens here
     * before a coordinator answered: a run with {@code cluster.tls} never dials a process without its key.
     */
    private static RunSpec fetchRunSpec(Vertx vertx, String clusterName, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            RunSpec first = askRunSpec(vertx);
            if (first == null) {
                Thread.sleep(500);
                continue;
            }
            RunSpec second = askRunSpec(vertx);
            return second != null && second.incarnation() > first.incarnation() ? second : first;
        }
        vertx.close();
        throw new UsageException("joined cluster " + clusterName + " but found no run in it within " + timeoutSeconds
                + " s: start `sftpg run` first and pass the cluster name it prints to --cluster-name (--cluster HOST for a run on"
                + " another machine; a longer --join-timeout if the run is still starting; for a run with cluster.tls, "
                + ClusterKey.ENV + "=/path/to/its " + ClusterKey.FILE + ")");
    }

    private static RunSpec askRunSpec(Vertx vertx) {
        try {
            return RunSpec.fromJson(vertx.eventBus().<JsonObject>request(Addresses.RUN_INFO, Buffer.buffer())
                    .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).body());
        } catch (Exception noRunYet) {
            return null;
        }
    }
}
