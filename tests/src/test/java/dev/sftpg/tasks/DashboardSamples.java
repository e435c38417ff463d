package dev.sftpg.tasks;

import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Reads a live run's dashboard the way the page does. */
final class DashboardSamples {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private DashboardSamples() {
    }

    /**
     * {@code /api/samples} once it holds an evaluation's samples, polled while {@code run} goes on, for at most
     * {@code seconds}; null if it never did (the dashboard may not answer before the run's cluster is up).
     */
    static JsonObject await(int port, Future<?> run, int seconds) throws InterruptedException {
        long start = System.nanoTime(), deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        StringBuilder story = new StringBuilder();
        String previous = null;
        int repeats = 0;
        while (!run.isDone() && System.nanoTime() < deadline) {
            String seen;
            try {
                JsonObject s = new JsonObject(get(port, "/api/samples"));
                if (s.getJsonObject("samples") != null) return s;
                seen = "samples without an evaluation's points; /api/status: " + get(port, "/api/status");
            } catch (Exception notYet) {
                // pretraining, or the nodes are joining
                seen = "no answer: " + notYet;
            }
            // one line per change of answer (status bodies differ by their clocks: compared by their first words)
            String kind = seen.length() > 60 ? seen.substring(0, 60) : seen;
            if (kind.equals(previous)) repeats++;
            else {
                if (repeats > 0) story.append(" (x").append(repeats + 1).append(')');
                story.append(String.format("%n  %5.1f s: %s", (System.nanoTime() - start) / 1e9, seen));
                previous = kind;
                repeats = 0;
            }
            Thread.sleep(200);
        }
        if (repeats > 0) story.append(" (x").append(repeats + 1).append(')');
        story.append(String.format("%n  %5.1f s: %s", (System.nanoTime() - start) / 1e9,
                run.isDone() ? "the run had ended" : "gave up; the run still going"));
        history = story.toString();
        return null;
    }

    private static String get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * For the failure message when {@link #await} saw no samples: what the dashboard answered over time, and what this
     * JVM's threads were doing at the end (a stalled run shows where).
     */
    static String whatWasSeen() {
        StringBuilder b = new StringBuilder("the dashboard answered:").append(history).append("\nthreads:\n");
        for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            b.append("  \"").append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) b.append(" on ").append(t.getLockName());
            b.append('\n');
            StackTraceElement[] stack = t.getStackTrace();
            for (int i = 0; i < Math.min(12, stack.length); i++) b.append("      at ").append(stack[i]).append('\n');
        }
        return b.toString();
    }

    private static volatile String history = "";
}
