package dev.sftpg.hosts;

import dev.sftpg.cluster.TinyModels;
import dev.sftpg.faults.Faults;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A run across two hosts: the run process in one network namespace, a rollout worker in another, joined by a veth
 * pair (10.77.0.1 and 10.77.0.2, which exist only inside them). The worker's batches reach the run; a cut link
 * gets the worker declared lost within {@code train.workerTimeout} with its credits recovered; once the link is
 * back the worker re-attaches and produces again. Then the link gets worse instead of failing: 5% of the packets
 * each way dropped (nftables) and 10 Mbit/s at the worker's side (a token bucket); the run keeps its worker and
 * its batches flow, at a measured cost (printed, against the clean link). Needs root and iproute2 (and nftables and
 * the kernel's tbf for the impaired link, which is skipped with a message without them); skipped otherwise.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NetnsClusterTest {
    private static final String RUN_IP = "10.77.0.1", WORKER_IP = "10.77.0.2";
    private static final int PORT = 6400, RUN_BUS = 6450, WORKER_BUS = 6451, WORKER_TIMEOUT = 5;

    @Test
    void workerOnAnotherHostJoinsSurvivesACutAndReattaches(@TempDir Path tmp) throws Exception {
        assumeTrue(isRoot(), "network namespaces need root: skipped");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "no `ip` (Debian: apt-get install iproute2): skipped");
        long id = ProcessHandle.current().pid() % 100_000;
        String nsRun = "sftpg-run-" + id, nsWorker = "sftpg-wrk-" + id, vethRun = "sfr" + id, vethWorker = "sfw" + id;
        Path runDir = tmp.resolve("run"), runLog = tmp.resolve("run.log"), workerLog = tmp.resolve("worker.log");
        String cluster = "sftpg-netns-" + id;
        Process run = null, worker = null;
        try {
            assumeTrue(ip("netns", "add", nsRun) && ip("netns", "add", nsWorker),
                    "cannot create network namespaces here (a container without CAP_SYS_ADMIN?): skipped");
            for (String[] c : new String[][]{{"link", "add", vethRun, "type", "veth", "peer", "name", vethWorker},
                    {"link", "set", vethRun, "netns", nsRun}, {"link", "set", vethWorker, "netns", nsWorker},
                    {"-n", nsRun, "addr", "add", RUN_IP + "/24", "dev", vethRun}, {"-n", nsWorker, "addr", "add", WORKER_IP + "/24", "dev", vethWorker},
                    {"-n", nsRun, "link", "set", vethRun, "up"}, {"-n", nsWorker, "link", "set", vethWorker, "up"},
                    {"-n", nsRun, "link", "set", "lo", "up"}, {"-n", nsWorker, "link", "set", "lo", "up"}})
                assertTrue(ip(c), "ip " + String.join(" ", c));

            List<String> runArgs = new ArrayList<>(List.of("run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                    "--no-dashboard", "--roles", "discriminator,value,generator"));
            for (String kv : List.of("finetune.pretrained=" + TinyModels.pretrained(), "data.size=4000", "train.evalEvery=0",
                    "eval.n=1000", "eval.seeds=1", "cluster.name=" + cluster, "cluster.host=" + RUN_IP, "cluster.port=" + PORT,
                    "cluster.busPort=" + RUN_BUS, "train.workerTimeout=" + WORKER_TIMEOUT, "train.maxGeneratorSteps=100000"))
                runArgs.addAll(List.of("--set", kv));
            run = Jvm.start(runLog, List.of("ip", "netns", "exec", nsRun), runArgs.toArray(String[]::new));
            Jvm.waitForText(runLog, "--cluster-name " + cluster + " --cluster " + RUN_IP + ":" + PORT, 180);
            worker = Jvm.start(workerLog, List.of("ip", "netns", "exec", nsWorker), "worker", "--role", "rollout", "--cluster-name",
                    cluster, "--cluster", RUN_IP + ":" + PORT, "--port", String.valueOf(PORT), "--bus-port", String.valueOf(WORKER_BUS),
                    "--join-timeout", "120");
            Jvm.waitForText(workerLog, "ready at policy version", 180);
            Matcher m = Pattern.compile("worker (w\\d+) joined run").matcher(Jvm.read(workerLog));
            assertTrue(m.find(), Jvm.read(workerLog));
            String workerId = m.group(1) + "-0";
            Jvm.waitForText(runLog, "rollout worker " + workerId + " joined", 60);
            Thread.sleep(5000); // batches flow

            long cut = System.nanoTime();
            assertTrue(ip("-n", nsWorker, "link", "set", vethWorker, "down"));
            Jvm.waitForText(runLog, "rollout worker " + workerId + " lost", WORKER_TIMEOUT + 30);
            double lostAfter = (System.nanoTime() - cut) / 1e9;
            assertTrue(lostAfter <= WORKER_TIMEOUT + 5, "declared lost " + lostAfter + " s after the cut");
            assertTrue(Jvm.read(runLog).contains("credit(s) recovered"), Jvm.read(runLog));
            Jvm.waitForText(workerLog, "the run's coordinator has been silent", 30);

            assertTrue(ip("-n", nsWorker, "link", "set", vethWorker, "up"));
            Jvm.waitForText(runLog, "rollout worker " + workerId + " re-attached", 90);
            Jvm.waitForText(workerLog, "re-attaching", 30);
            Matcher next = Pattern.compile("rollout worker " + workerId + " re-attached; .*next batch #(\\d+)").matcher(Jvm.read(runLog));
            assertTrue(next.find(), Jvm.read(runLog));
            long beforeCut = Long.parseLong(next.group(1));
            Thread.sleep(5000); // and flow again

            Path metrics = runDir.resolve("metrics.jsonl");
            double clean = batchesPerSecond(metrics, 15);
            String impaired = "not measured";
            if (impair(nsRun, nsWorker, vethWorker)) {
                int lostBefore = count(Jvm.read(runLog), "rollout worker " + workerId + " lost");
                double slow = batchesPerSecond(metrics, 15);
                impaired = String.format("%.2f batches/s with 5%% loss each way and 10 Mbit/s (%.0f%% of the clean link)", slow, 100 * slow / clean);
                assertTrue(slow > 0, "batches flow over the impaired link");
                assertEquals(lostBefore, count(Jvm.read(runLog), "rollout worker " + workerId + " lost"),
                        "the worker is not declared lost over an impaired link\n" + Jvm.read(runLog));
                for (String ns : List.of(nsRun, nsWorker)) ip("netns", "exec", ns, "nft", "delete", "table", "inet", "sftpg");
                ip("netns", "exec", nsWorker, "tc", "qdisc", "del", "dev", vethWorker, "root");
            }

            run.destroy(); // SIGTERM, as Ctrl-C: final checkpoint and report
            int code = Jvm.exitCode(run, 180, runLog);
            assertTrue(code == 0 || code == 143, "exit " + code + " (143: SIGTERM after the hook's graceful finish)\n" + Jvm.read(runLog));
            assertTrue(Jvm.read(runLog).contains("finished (interrupted)"), Jvm.read(runLog));
            assertEquals(0, Jvm.exitCode(worker, 90, workerLog), Jvm.read(workerLog));
            JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
            JsonObject perWorker = report.getJsonObject("perWorkerBatches");
            System.out.println("--- run\n" + Jvm.read(runLog) + "--- worker\n" + Jvm.read(workerLog) + "--- perWorkerBatches " + perWorker
                    + ", declared lost " + String.format("%.1f", lostAfter) + " s after the cut; clean link "
                    + String.format("%.2f", clean) + " batches/s, impaired: " + impaired);
            assertTrue(perWorker.containsKey(workerId) && perWorker.getLong(workerId) > beforeCut,
                    "the worker's batches after it re-attached reach the run: perWorkerBatches " + perWorker + ", " + beforeCut + " before the cut");
            assertEquals("", Jvm.noise(Jvm.read(runLog)), Jvm.read(runLog));
            assertEquals("", Jvm.noise(Jvm.read(workerLog)), Jvm.read(workerLog));
        } finally {
            Jvm.end(run);
            Jvm.end(worker);
            ip("netns", "del", nsRun); // takes its end of the veth pair, and so the pair, with it
            ip("netns", "del", nsWorker);
        }
    }

    /**
     * Drops 5% of the packets leaving either namespace (nftables) and limits the worker's side to 10 Mbit/s (tbf);
     * false, with a message, where either is missing.
     */
    private static boolean impair(String nsRun, String nsWorker, String vethWorker) {
        for (String ns : List.of(nsRun, nsWorker)) {
            boolean ok = ip("netns", "exec", ns, "nft", "add", "table", "inet", "sftpg")
                    && ip("netns", "exec", ns, "nft", "add", "chain", "inet", "sftpg", "out", "{ type filter hook output priority 0; }")
                    && ip("netns", "exec", ns, "nft", "add", "rule", "inet", "sftpg", "out", "numgen", "random", "mod", "100", "<", "5", "drop");
            if (!ok) {
                System.out.println("impaired link not tested: no nftables here (Debian: apt-get install nftables)");
                return false;
            }
        }
        if (!ip("netns", "exec", nsWorker, "tc", "qdisc", "add", "dev", vethWorker, "root", "tbf", "rate", "10mbit", "burst", "32kbit",
                "latency", "100ms")) {
            System.out.println("impaired link not tested: the kernel has no tbf queueing discipline");
            for (String ns : List.of(nsRun, nsWorker)) ip("netns", "exec", ns, "nft", "delete", "table", "inet", "sftpg");
            return false;
        }
        return true;
    }

    /** Batches the generator received per second over the next {@code seconds}, from the run's metrics log. */
    private static double batchesPerSecond(Path metrics, int seconds) throws Exception {
        JsonObject start = Faults.lastMetrics(metrics, "generator");
        Thread.sleep(seconds * 1000L);
        JsonObject end = Faults.lastMetrics(metrics, "generator");
        return (end.getLong("criticBatches", 0L) - start.getLong("criticBatches", 0L))
                / ((end.getLong("time", 0L) - start.getLong("time", 0L)) / 1000.0);
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && out.equals("0");
        } catch (Exception e) {
            return false;
        }
    }

    static boolean ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
