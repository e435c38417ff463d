package dev.sftpg.tasks;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Reads a live run's dashboard the way the page does. */
final class DashboardSamples {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private DashboardSamples() {
    }

    /**
     * {@code /api/samples} once it holds an evaluation's samples, polled while {@code run} goes on, for at most
     * {@code seconds}; null if it never did (the dashboard may not answer before the run's cluster is up).
     */
    static JsonObject await(int port, Future<?> run, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        lastSeen = "no answer";
        while (!run.isDone() && System.nanoTime() < deadline) {
            try {
                JsonObject s = new JsonObject(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/samples"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
                if (s.getJsonObject("samples") != null) return s;
                lastSeen = "samples without an evaluation's points; /api/status: " + HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/api/status")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (Exception notYet) {
                // pretraining, or the nodes are joining
                lastSeen = "no answer: " + notYet;
            }
            Thread.sleep(200);
        }
        return null;
    }

    /** What the dashboard said last while {@link #await} waited: for the failure message when it never had samples. */
    static String lastSeen() {
        return lastSeen;
    }

    private static volatile String lastSeen = "";
}
