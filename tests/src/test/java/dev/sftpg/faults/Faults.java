package dev.sftpg.faults;

import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.cluster.ClusterFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** What the fault tests share: reading a live run's metrics log, waiting with a bound, starting CLI processes. */
public final class Faults {
    private Faults() {
    }

    /** A bare node in a live run's cluster (a rogue member) and the addresses of the run's current incarnation. */
    record Rogue(Vertx vertx, Addresses bus) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Joins {@code cluster} on {@code port} and learns the run's current incarnation, and with it its addresses, from a heartbeat. */
    static Rogue rogue(String cluster, int port) throws Exception {
        Vertx vertx = ClusterFactory.start(cluster, "127.0.0.1", List.of("127.0.0.1"), port)
                .toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        CompletableFuture<Addresses> current = new CompletableFuture<>();
        vertx.eventBus().consumer(Addresses.HEARTBEAT, m -> current.complete(Addresses.ofHeartbeat(m)));
        try {
            return new Rogue(vertx, current.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /**
     * `run` on the tiny pretrained model in {@code runDir}, joined to cluster {@code cluster} on {@code port}, with
     * no periodic evaluation and a small final one, plus {@code sets} (key=value).
     */
    static String[] runArgs(Path runDir, String cluster, int port, String... sets) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                "--no-dashboard"));
        List<String> all = new ArrayList<>(List.of("finetune.pretrained=" + dev.sftpg.cluster.TinyModels.pretrained(),
                "data.size=4000", "train.maxGeneratorSteps=100000", "train.evalEvery=0", "eval.n=1000", "eval.seeds=1",
                "cluster.name=" + cluster, "cluster.port=" + port));
        all.addAll(List.of(sets));
        for (String kv : all) args.addAll(List.of("--set", kv));
        return args.toArray(String[]::new);
    }

    /**
     * `sftpg ARGS` in this JVM on a thread of its own (not the common pool, which has one thread on two cores: several
     * nodes of one cluster must run at once); its stderr collects in {@code err}.
     */
    public static java.util.concurrent.CompletableFuture<Integer> inBackground(String[] args, java.io.ByteArrayOutputStream err) {
        java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> done.complete(dev.sftpg.cli.Main.run(args,
                new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8))), "sftpg " + args[0]);
        t.setDaemon(true);
        t.start();
        return done;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }

    /** The latest metrics snapshot of {@code source} in a run's metrics.jsonl (empty if none yet). */
    public static JsonObject lastMetrics(Path metricsLog, String source) {
        JsonObject last = new JsonObject();
        for (String line : read(metricsLog).split("\n")) {
            if (!line.contains("\"source\":\"" + source + "\"")) continue;
            try {
                last = new JsonObject(line).getJsonObject("metrics");
            } catch (RuntimeException partialLine) {
                // the line is being written
            }
        }
        return last;
    }

    static void waitFor(BooleanSupplier condition, int seconds, String what, Object diagnostics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(250);
        }
        String diag = diagnostics instanceof Path p ? read(p) : String.valueOf(diagnostics);
        fail("timed out after " + seconds + " s waiting for " + what + "\n" + diag.substring(Math.max(0, diag.length() - 4000)));
    }

    /** `sftpg ARGS` in a new JVM on this test's class path, output to {@code log}. */
    static Process start(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.sftpg.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
        p.waitFor(30, TimeUnit.SECONDS);
    }
}
