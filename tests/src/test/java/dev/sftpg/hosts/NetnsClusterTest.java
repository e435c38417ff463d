package dev.sftpg.hosts;

import dev.sftpg.cluster.TinyModels;
import dev.sftpg.faults.Faults;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A run across three hosts: three network namespaces, each reaching the others through a userspace router
 * ({@link Relay}: a TUN device in each namespace, so that delay can be added on a kernel without netem). The run
 * process (coordinator and learners) and a loopback rollout worker are in the first, a rollout worker in the second,
 * a dashboard worker in the third; every process connects to every other (Hazelcast and the event bus). The two
 * rollout workers run side by side, so the loopback one measures what the other host's network costs in the same
 * seconds of a shared machine. A veth pair between the run's and the worker's namespaces, routed for one window,
 * shows what the router itself costs. The dashboard, from its own namespace, shows the run and the remote worker.
 * <p>
 * Then the worker's link is faulted, the worker kept throughout and the cost in updates printed against the clean
 * link: 20 and 100 ms of one-way delay; 5% of the packets lost each way with 10 Mbit/s at the worker's side (a token
 * bucket, when the kernel has tbf); a cut shorter than Hazelcast's member timeout (the worker declared lost within
 * {@code train.workerTimeout}, its credits recovered, re-attached once the link is back); a cut longer than it (the
 * cluster splits, each half carries on, Hazelcast's split-brain merge joins them when the link is back and the worker
 * re-attaches). Needs root, iproute2, /dev/net/tun and /usr/bin/python3; skipped with a message otherwise.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class NetnsClusterTest {
    private static final String RUN_IP = "10.77.0.1", WORKER_IP = "10.77.0.2", DASHBOARD_IP = "10.77.0.3";
    private static final int PORT = 6400, RUN_BUS = 6450, WORKER_BUS = 6451, LOOP_BUS = 6452, DASHBOARD_BUS = 6453, HTTP = 6460;
    private static final int WORKER_TIMEOUT = 5, WINDOW = 8;
    /** Hazelcast's member timeout ({@code hazelcast.max.no.heartbeat.seconds}), which sftpg leaves at its default. */
    private static final int MEMBER_TIMEOUT = 60;

    @Test
    void runWorkerAndDashboardOnThreeHostsThroughDelayLossAndCuts(@TempDir Path tmp) throws Exception {
        assumeTrue(isRoot(), "network namespaces need root: skipped");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "no `ip` (Debian: apt-get install iproute2): skipped");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun (the kernel's tun driver) for the router: skipped");
        assumeTrue(Files.isExecutable(Relay.PYTHON), "no " + Relay.PYTHON + " for the router: skipped");
        long id = ProcessHandle.current().pid() % 100_000;
        String nsRun = "sftpg-run-" + id, nsWorker = "sftpg-wrk-" + id, nsDash = "sftpg-dsh-" + id;
        String vethRun = "sfvr" + id, vethWorker = "sfvw" + id;
        Path runDir = tmp.resolve("run"), metrics = runDir.resolve("metrics.jsonl"), runLog = tmp.resolve("run.log");
        Path loopLog = tmp.resolve("loopback-worker.log"), workerLog = tmp.resolve("worker.log"), dashLog = tmp.resolve("dashboard.log");
        String cluster = "sftpg-netns-" + id;
        List<Process> processes = new ArrayList<>();
        Relay relay = null;
        try {
            assumeTrue(ip("netns", "add", nsRun), "cannot create network namespaces here (a container without CAP_SYS_ADMIN?): skipped");
            assertTrue(ip("netns", "add", nsWorker) && ip("netns", "add", nsDash));
            String[][] hosts = {{nsRun, RUN_IP, "sftr" + id}, {nsWorker, WORKER_IP, "sftw" + id}, {nsDash, DASHBOARD_IP, "sftd" + id}};
            List<String> links = new ArrayList<>();
            for (String[] h : hosts) {
                // each host's address is on its loopback device: routes choose the link (the router, or the veth pair)
                assertTrue(ip("-n", h[0], "link", "set", "lo", "up") && ip("-n", h[0], "addr", "add", h[1] + "/32", "dev", "lo"));
                links.add(h[0] + ":" + h[2] + ":" + h[1]);
            }
            relay = Relay.start(tmp.resolve("relay.log"), links);
            for (String[] h : hosts) assertTrue(ip("-n", h[0], "route", "add", "10.77.0.0/24", "dev", h[2]), "route in " + h[0]);
            for (String[] c : new String[][]{{"link", "add", vethRun, "type", "veth", "peer", "name", vethWorker},
                    {"link", "set", vethRun, "netns", nsRun}, {"link", "set", vethWorker, "netns", nsWorker},
                    {"-n", nsRun, "link", "set", vethRun, "up"}, {"-n", nsWorker, "link", "set", vethWorker, "up"}})
                assertTrue(ip(c), "ip " + String.join(" ", c));

            List<String> runArgs = new ArrayList<>(List.of("run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                    "--no-dashboard", "--roles", "discriminator,value,generator"));
            for (String kv : List.of("finetune.pretrained=" + TinyModels.pretrained(), "data.size=4000", "train.evalEvery=0",
                    "eval.n=1000", "eval.seeds=1", "cluster.name=" + cluster, "cluster.host=" + RUN_IP, "cluster.port=" + PORT,
                    "cluster.busPort=" + RUN_BUS, "train.workerTimeout=" + WORKER_TIMEOUT, "train.maxGeneratorSteps=100000"))
                runArgs.addAll(List.of("--set", kv));
            long t0 = System.nanoTime();
            Process run = Jvm.start(runLog, netns(nsRun), runArgs.toArray(String[]::new));
            processes.add(run);
            Jvm.waitForText(runLog, "--cluster-name " + cluster + " --cluster " + RUN_IP + ":" + PORT, 180);
            Matcher runIdLine = Pattern.compile("run (\\S+) \\(swissroll-reference\\)").matcher(Jvm.read(runLog));
            assertTrue(runIdLine.find(), Jvm.read(runLog));
            String runId = runIdLine.group(1);
            Process loop = Jvm.start(loopLog, netns(nsRun), join(cluster, "rollout", PORT + 1, LOOP_BUS));
            Process worker = Jvm.start(workerLog, netns(nsWorker), join(cluster, "rollout", PORT, WORKER_BUS));
            List<String> dashArgs = new ArrayList<>(List.of(join(cluster, "dashboard", PORT, DASHBOARD_BUS)));
            dashArgs.addAll(List.of("--http-port", String.valueOf(HTTP)));
            Process dash = Jvm.start(dashLog, netns(nsDash), dashArgs.toArray(String[]::new));
            processes.addAll(List.of(loop, worker, dash));
            String loopId = workerId(loopLog), workerId = workerId(workerLog);
            Jvm.waitForText(dashLog, "dashboard: http://127.0.0.1:" + HTTP, 180);
            for (String w : List.of(loopId, workerId)) Jvm.waitForText(runLog, "rollout worker " + w + " joined", 60);
            settle(metrics, runLog, loopId, workerId);
            double startup = (System.nanoTime() - t0) / 1e9;
            say("run, workers and dashboard up and steady after " + Math.round(startup) + " s");

            // throughput: the worker over the router, then over a plain veth pair, beside the loopback worker
            JsonObject relayBefore = relay.stats();
            say("measuring");
            Window clean = window("clean link (router)", metrics, loopId, workerId);
            JsonObject relayAfter = relay.stats();
            assertTrue(clean.remote > 0 && clean.loop > 0, "both workers' batches flow: " + clean);
            assertTrue(ip("-n", nsRun, "route", "add", WORKER_IP + "/32", "dev", vethRun)
                    && ip("-n", nsWorker, "route", "add", RUN_IP + "/32", "dev", vethWorker), "routes through the veth pair");
            Thread.sleep(2000);
            Window veth = window("clean link (veth)", metrics, loopId, workerId);
            assertTrue(ip("-n", nsRun, "route", "del", WORKER_IP + "/32", "dev", vethRun)
                    && ip("-n", nsWorker, "route", "del", RUN_IP + "/32", "dev", vethWorker), "routes back through the router");
            assertTrue(veth.remote > 0, "batches flow over the veth pair: " + veth);

            // the dashboard, in its own namespace, sees the run, its policy and both workers
            long version = clean.end.getLong("policyVersion");
            JsonObject status = dashboard(nsDash, s -> alive(s, workerId) && alive(s, loopId)
                    && s.getJsonObject("generator", new JsonObject()).getLong("policyVersion", 0L) >= version, 30);
            assertEquals(runId, status.getJsonObject("run").getString("runId"), status.encodePrettily());
            int nCritic = status.getJsonObject("run").getInteger("nCritic");

            // delay, then loss with a slow link: the worker stays attached and its batches flow
            String lostLine = "rollout worker " + workerId + " lost";
            int lostBefore = count(Jvm.read(runLog), lostLine);
            List<Window> faults = new ArrayList<>();
            for (int ms : new int[]{20, 100}) {
                relay.delay(nsWorker, ms);
                say(ms + " ms one-way delay on the worker's link");
                Thread.sleep(2000);
                faults.add(window(ms + " ms one-way delay", metrics, loopId, workerId));
            }
            relay.delay(nsWorker, 0);
            relay.loss(nsWorker, 5);
            say("5% loss on the worker's link");
            boolean tbf = tc(nsWorker, "qdisc", "add", "dev", "sftw" + id, "root", "tbf", "rate", "10mbit", "burst", "32kbit",
                    "latency", "100ms");
            if (!tbf) System.out.println("the kernel has no tbf queueing discipline: the lossy link is not also slowed");
            Thread.sleep(2000);
            faults.add(window(tbf ? "5% loss each way, 10 Mbit/s" : "5% loss each way", metrics, loopId, workerId));
            relay.loss(nsWorker, 0);
            if (tbf) tc(nsWorker, "qdisc", "del", "dev", "sftw" + id, "root");
            for (Window w : faults) assertTrue(w.remote > 0, "batches flow over the impaired link: " + w);
            Thread.sleep(2000);
            Window cleanAgain = window("clean link again (router)", metrics, loopId, workerId);
            assertEquals(lostBefore, count(Jvm.read(runLog), lostLine),
                    "the worker is not declared lost over a slow or lossy link\n" + Jvm.read(runLog));

            // a cut shorter than Hazelcast's member timeout: lost, credits recovered, re-attached
            String reattached = "rollout worker " + workerId + " re-attached", back = "the run's coordinator is back";
            int reattachedBefore = count(Jvm.read(runLog), reattached), backBefore = count(Jvm.read(workerLog), back);
            say("short cut");
            Cut shortCut = cut(relay, nsWorker, metrics, runLog, lostLine, lostBefore + 1);
            assertTrue(Jvm.read(runLog).contains("credit(s) recovered"), Jvm.read(runLog));
            Jvm.waitForText(workerLog, "the run's coordinator has been silent", 30);
            relay.restore(nsWorker);
            shortCut.restored();
            say("link back");
            waitForCount(runLog, reattached, reattachedBefore + 1, 90);
            waitForCount(workerLog, back, backBefore + 1, 30);
            shortCut.reattached(metrics, loopId, workerId);
            Thread.sleep(3000); // and flow again

            // a cut longer than Hazelcast's member timeout: the cluster splits, each half carries on, then merges
            say("long cut");
            Cut longCut = cut(relay, nsWorker, metrics, runLog, lostLine, lostBefore + 2);
            Jvm.waitForText(runLog, "member " + WORKER_IP + ":" + PORT + " left the cluster", MEMBER_TIMEOUT + 60);
            double runSplit = longCut.since();
            Jvm.waitForText(workerLog, "member " + RUN_IP + ":" + PORT + " left the cluster", 60);
            double workerSplit = longCut.since();
            JsonObject split = dashboard(nsDash, s -> "lost".equals(state(s, workerId)) && alive(s, loopId), 30);
            JsonObject duringSplit = Faults.lastMetrics(metrics, "generator");
            assertTrue(duringSplit.getLong("policyVersion") > longCut.start.getLong("policyVersion"),
                    "the run's half trains on during the split: " + longCut.start + " then " + duringSplit);
            assertTrue(worker.isAlive(), "the worker's half waits for the run\n" + Jvm.read(workerLog));
            relay.restore(nsWorker);
            longCut.restored();
            say("link back");
            waitForCount(runLog, reattached, reattachedBefore + 2, 150);
            waitForCount(workerLog, back, backBefore + 2, 30);
            longCut.reattached(metrics, loopId, workerId);
            dashboard(nsDash, s -> alive(s, workerId), 30);
            Matcher next = Pattern.compile(Pattern.quote(reattached) + "; .*next batch #(\\d+)").matcher(Jvm.read(runLog));
            long lastReattach = -1;
            while (next.find()) lastReattach = Long.parseLong(next.group(1));
            assertTrue(lastReattach >= 0, Jvm.read(runLog));
            Thread.sleep(3000); // and flow again
            JsonObject relayEnd = relay.stats();

            say("stopping the run");
            run.destroy(); // SIGTERM, as Ctrl-C: final checkpoint and report
            int code = Jvm.exitCode(run, 180, runLog);
            assertTrue(code == 0 || code == 143, "exit " + code + " (143: SIGTERM after the hook's graceful finish)\n" + Jvm.read(runLog));
            assertTrue(Jvm.read(runLog).contains("finished (interrupted)"), Jvm.read(runLog));
            assertEquals(0, Jvm.exitCode(worker, 90, workerLog), Jvm.read(workerLog));
            assertEquals(0, Jvm.exitCode(loop, 90, loopLog), Jvm.read(loopLog));
            assertEquals(0, Jvm.exitCode(dash, 90, dashLog), Jvm.read(dashLog));
            JsonObject perWorker = new JsonObject(Files.readString(runDir.resolve("report.json"))).getJsonObject("perWorkerBatches");
            double total = (System.nanoTime() - t0) / 1e9;
            System.out.println("--- run\n" + Jvm.read(runLog) + "--- worker\n" + Jvm.read(workerLog) + "--- loopback worker\n"
                    + Jvm.read(loopLog) + "--- dashboard\n" + Jvm.read(dashLog) + "--- dashboard during the split: "
                    + split.getJsonArray("cluster").encode());
            System.out.println(summary(startup, total, List.of(clean, cleanAgain), veth, faults, shortCut, longCut, runSplit, workerSplit,
                    relayBefore, relayAfter, relayEnd, nsWorker, perWorker, nCritic));
            assertTrue(perWorker.getLong(workerId, 0L) > lastReattach,
                    "the worker's batches after it re-attached reach the run: perWorkerBatches " + perWorker + ", next batch #" + lastReattach);
            for (Path log : List.of(runLog, workerLog, loopLog, dashLog)) assertEquals("", Jvm.noise(Jvm.read(log)), Jvm.read(log));
        } catch (Throwable t) {
            // a failure message holds one log's tail: the whole of every process's log tells what the cluster did
            for (Path log : List.of(runLog, workerLog, loopLog, dashLog, tmp.resolve("relay.log")))
                System.out.println("--- " + log.getFileName() + "\n" + Jvm.read(log));
            throw t;
        } finally {
            for (Process p : processes) Jvm.end(p);
            if (relay != null) relay.close(); // its devices go with it
            ip("netns", "del", nsRun); // takes its end of the veth pair, and so the pair, with it
            ip("netns", "del", nsWorker);
            ip("netns", "del", nsDash);
        }
    }

    /** A line on the test's output, timed like the processes' logs. */
    private static void say(String what) {
        System.out.println(java.time.LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")) + " test          " + what);
    }

    /** {@code sftpg worker} arguments joining the run at RUN_IP with {@code role}, its Hazelcast and event-bus ports. */
    private static String[] join(String cluster, String role, int port, int busPort) {
        return new String[]{"worker", "--role", role, "--cluster-name", cluster, "--cluster", RUN_IP + ":" + PORT, "--port",
                String.valueOf(port), "--bus-port", String.valueOf(busPort), "--join-timeout", "120"};
    }

    private static List<String> netns(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    /** The id of the rollout worker a {@code worker --role rollout} process started, once it is ready. */
    private static String workerId(Path log) throws InterruptedException {
        Jvm.waitForText(log, "ready at policy version", 180);
        Matcher m = Pattern.compile("worker (w\\d+) joined run").matcher(Jvm.read(log));
        assertTrue(m.find(), Jvm.read(log));
        return m.group(1) + "-0";
    }

    /**
     * Waits (bounded) until both rollout workers are attached and steady: on a loaded machine, the first seconds after
     * several processes join (JIT, Hazelcast's partition migrations) can hold a worker silent for longer than
     * {@code train.workerTimeout}, after which it re-attaches; measuring starts once nobody was lost for 8 s.
     */
    private static void settle(Path metrics, Path runLog, String... workers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int steady = 0;
        while (System.nanoTime() < deadline && steady < 2) {
            int lost = count(Jvm.read(runLog), " lost (silent for");
            JsonObject a = Faults.lastMetrics(metrics, "generator");
            Thread.sleep(4000);
            JsonObject b = Faults.lastMetrics(metrics, "generator");
            boolean flowing = true;
            for (String w : workers) flowing &= Window.batches(b, w) > Window.batches(a, w);
            steady = flowing && lost == count(Jvm.read(runLog), " lost (silent for") ? steady + 1 : 0;
        }
        assertEquals(2, steady, "the workers' batches did not flow steadily within 120 s\n" + Jvm.read(runLog));
    }

    /** What the generator counted over {@link #WINDOW} seconds from now (its metrics log, once a second). */
    private static Window window(String name, Path metrics, String loopId, String remoteId) throws InterruptedException {
        JsonObject start = Faults.lastMetrics(metrics, "generator");
        Thread.sleep(WINDOW * 1000L);
        return new Window(name, start, Faults.lastMetrics(metrics, "generator"), loopId, remoteId);
    }

    /** Counters of the generator between two of its metrics snapshots. */
    static final class Window {
        final String name;
        final JsonObject start, end;
        final double seconds, loop, remote, updates;
        final long dropped, batches;

        Window(String name, JsonObject start, JsonObject end, String loopId, String remoteId) {
            this.name = name;
            this.start = start;
            this.end = end;
            seconds = (end.getLong("time", 0L) - start.getLong("time", 0L)) / 1000.0;
            loop = (batches(end, loopId) - batches(start, loopId)) / seconds;
            remote = (batches(end, remoteId) - batches(start, remoteId)) / seconds;
            updates = (end.getLong("policyVersion", 0L) - start.getLong("policyVersion", 0L)) / seconds;
            dropped = end.getLong("droppedForPolicyLag", 0L) - start.getLong("droppedForPolicyLag", 0L);
            batches = end.getLong("criticBatches", 0L) - start.getLong("criticBatches", 0L);
        }

        static long batches(JsonObject generator, String worker) {
            return generator.getJsonObject("workers", new JsonObject()).getJsonObject(worker, new JsonObject()).getLong("batches", 0L);
        }

        String row() {
            return String.format("%-30s %5.1f s %9.1f %9.1f %8.0f%% %9.2f %7.0f%%", name, seconds, loop, remote, 100 * remote / loop,
                    updates, 100.0 * dropped / Math.max(1, batches));
        }

        @Override
        public String toString() {
            return row();
        }
    }

    /** A cut of one namespace's link: when it began, was declared lost, restored and re-attached; the generator's counters. */
    static final class Cut {
        final long began = System.nanoTime();
        final JsonObject start;
        double lostAfter, restoredAfter, reattachedAfter;
        Window window;

        Cut(JsonObject start) {
            this.start = start;
        }

        double since() {
            return (System.nanoTime() - began) / 1e9;
        }

        void restored() {
            restoredAfter = since();
        }

        void reattached(Path metrics, String loopId, String remoteId) {
            reattachedAfter = since();
            window = new Window("cut", start, Faults.lastMetrics(metrics, "generator"), loopId, remoteId);
        }
    }

    /** Cuts {@code ns}'s link and waits until the run declares its worker lost (the {@code n}th time), within the timeout. */
    private static Cut cut(Relay relay, String ns, Path metrics, Path runLog, String lostLine, int n) throws Exception {
        Cut c = new Cut(Faults.lastMetrics(metrics, "generator"));
        relay.cut(ns);
        waitForCount(runLog, lostLine, n, WORKER_TIMEOUT + 30);
        c.lostAfter = c.since();
        assertTrue(c.lostAfter <= WORKER_TIMEOUT + 5, "declared lost " + c.lostAfter + " s after the cut");
        return c;
    }

    /**
     * The figures. The machine is shared, so absolute rates swing from one window to the next; the loopback worker runs
     * in the same seconds on the same cores, so the remote worker's share of it is what the network changes. A fault's
     * cost: the remote worker's batches against its clean share of the loopback worker's, and the policy updates those
     * batches would have made ({@code nCritic} batches each).
     */
    private static String summary(double startup, double total, List<Window> cleans, Window veth, List<Window> faults, Cut shortCut,
                                  Cut longCut, double runSplit, double workerSplit, JsonObject relayBefore, JsonObject relayAfter,
                                  JsonObject relayEnd, String nsWorker, JsonObject perWorker, int nCritic) {
        StringBuilder b = new StringBuilder("--- figures (loopback: the rollout worker in the run's namespace; remote: the one in"
                + " another namespace, through the router; updates: the generator's policy updates)\n");
        b.append(String.format("%-30s %7s %9s %9s %9s %9s %8s%n", "window", "length", "loopback", "remote", "remote/", "updates/s",
                "dropped"));
        b.append(String.format("%-30s %7s %9s %9s %9s %9s %8s%n", "", "", "batches/s", "batches/s", "loopback", "", "for lag"));
        List<Window> all = new ArrayList<>(cleans.subList(0, 1));
        all.add(veth);
        all.addAll(faults);
        all.addAll(cleans.subList(1, cleans.size()));
        for (Window w : all) b.append(w.row()).append('\n');
        double share = cleans.stream().mapToDouble(w -> w.remote * w.seconds).sum() / cleans.stream().mapToDouble(w -> w.loop * w.seconds).sum();
        b.append(String.format("the remote worker's clean share: %.0f%% of the loopback worker's batches over the router (both clean"
                + " windows), %.0f%% over the veth pair%n", 100 * share, 100 * veth.remote / veth.loop));
        for (Window w : faults) {
            double expected = share * w.loop, lost = expected - w.remote;
            b.append(String.format("%s: the remote worker at %.0f%% of its clean share, %.1f batches/s fewer, about %.2f updates/s"
                    + " (%.0f over the window)%n", w.name, 100 * w.remote / expected, lost, lost / nCritic, lost * w.seconds / nCritic));
        }
        // a cut idles the remote worker, whose share of the cores the loopback worker takes: its clean rate is the yardstick
        double cleanSeconds = cleans.stream().mapToDouble(w -> w.seconds).sum();
        double remoteRate = cleans.stream().mapToDouble(w -> w.remote * w.seconds).sum() / cleanSeconds;
        double updateRate = cleans.stream().mapToDouble(w -> w.updates * w.seconds).sum() / cleanSeconds;
        for (Object[] c : new Object[][]{{"short cut", shortCut}, {"long cut", longCut}}) {
            Cut cut = (Cut) c[1];
            Window w = cut.window;
            double expected = remoteRate * w.seconds, made = w.remote * w.seconds;
            b.append(String.format("%s: declared lost after %.1f s, link back after %.1f s, re-attached after %.1f s; from the cut to"
                            + " the re-attach (%.1f s) the remote worker made %.0f batches against %.0f at its clean rate (%.1f/s), about"
                            + " %.0f updates' worth; the run made %.0f updates meanwhile (%.2f/s against %.2f/s in the clean windows)%n",
                    c[0], cut.lostAfter, cut.restoredAfter, cut.reattachedAfter, w.seconds, made, expected, remoteRate,
                    (expected - made) / nCritic, w.updates * w.seconds, w.updates, updateRate));
        }
        b.append(String.format("long cut: each side saw the other leave the cluster %.1f s (run) and %.1f s (worker) after the cut;"
                + " the merge and re-attach took %.1f s after the link came back%n", runSplit, workerSplit,
                longCut.reattachedAfter - longCut.restoredAfter));
        double cpu = relayAfter.getDouble("cpuSeconds") - relayBefore.getDouble("cpuSeconds");
        JsonObject a = relayBefore.getJsonObject("links").getJsonObject(nsWorker), z = relayAfter.getJsonObject("links").getJsonObject(nsWorker);
        JsonObject end = relayEnd.getJsonObject("links").getJsonObject(nsWorker);
        Window clean = cleans.get(0);
        b.append(String.format("router, first clean window: %.0f packets/s and %.2f MB/s through the worker's link, %.1f%% of a core;"
                        + " over the whole test %d packets and %.1f MB through it, %.1f CPU seconds%n",
                (z.getLong("packetsIn") - a.getLong("packetsIn") + z.getLong("packetsOut") - a.getLong("packetsOut")) / clean.seconds,
                (z.getLong("bytesIn") - a.getLong("bytesIn") + z.getLong("bytesOut") - a.getLong("bytesOut")) / clean.seconds / 1e6,
                100 * cpu / clean.seconds, end.getLong("packetsIn") + end.getLong("packetsOut"),
                (end.getLong("bytesIn") + end.getLong("bytesOut")) / 1e6, relayEnd.getDouble("cpuSeconds")));
        b.append(String.format("startup %.0f s, all %.0f s; perWorkerBatches %s", startup, total, perWorker));
        return b.toString();
    }

    /** The dashboard's /api/status fetched from inside {@code ns}, once it satisfies {@code until} (bounded). */
    private static JsonObject dashboard(String ns, Predicate<JsonObject> until, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = "";
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, Relay.PYTHON.toString(), "-c",
                    "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())",
                    "http://127.0.0.1:" + HTTP + "/api/status").redirectErrorStream(true).start();
            if (p.waitFor(20, TimeUnit.SECONDS)) {
                last = new String(p.getInputStream().readAllBytes());
                if (p.exitValue() == 0) {
                    JsonObject status = new JsonObject(last);
                    if (until.test(status)) return status;
                }
            } else {
                p.destroyForcibly();
            }
            Thread.sleep(1000);
        }
        fail("the dashboard's /api/status did not show what was expected within " + seconds + " s: " + last);
        return null;
    }

    private static String state(JsonObject status, String id) {
        for (Object o : status.getJsonArray("cluster", new JsonArray()))
            if (o instanceof JsonObject e && id.equals(e.getString("id"))) return e.getString("state");
        return null;
    }

    private static boolean alive(JsonObject status, String id) {
        return "alive".equals(state(status, id));
    }

    private static void waitForCount(Path log, String text, int n, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (count(Jvm.read(log), text) >= n) return;
            Thread.sleep(250);
        }
        String all = Jvm.read(log);
        fail("timed out after " + seconds + " s waiting for '" + text + "' " + n + " time(s) in " + log + ":\n"
                + all.substring(Math.max(0, all.length() - 4000)));
    }

    private static int count(String text, String what) {
        return text.split(Pattern.quote(what), -1).length - 1;
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
        return quietly(cmd);
    }

    private static boolean tc(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "tc"));
        cmd.addAll(List.of(args));
        return quietly(cmd);
    }

    private static boolean quietly(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
