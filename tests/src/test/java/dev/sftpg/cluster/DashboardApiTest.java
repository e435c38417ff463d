package dev.sftpg.cluster;

import dev.sftpg.cli.Main;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The dashboard's HTTP API against a real run on loopback: JSON shapes, Prometheus text, token-protected control. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DashboardApiTest {
    private static final int PORT = 18931;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject status() throws Exception {
        return new JsonObject(get("/api/status").body());
    }

    @Test
    void apiServesTheRunAndControlNeedsTheToken(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String[] args = {"run", "--config", "swissroll-reference", "--run-dir", runDir.toString(),
                "--set", "finetune.pretrained=" + TinyModels.pretrained(), "--set", "data.size=4000",
                "--set", "train.maxGeneratorSteps=0", "--set", "train.maxMinutes=3", "--set", "train.evalEvery=20",
                "--set", "train.evalN=500", "--set", "eval.n=500", "--set", "eval.seeds=1", "--set", "cluster.port=5841",
                "--set", "dashboard.port=" + PORT, "--set", "dashboard.token=secret-token"};
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.run(args,
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8)));
        waitFor(() -> {
            try {
                return status().getJsonArray("evaluations").size() >= 1;
            } catch (Exception e) {
                return false;
            }
        }, 120, err);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("dashboard: http://127.0.0.1:" + PORT + "/"));

        JsonObject s = status();
        assertEquals("swissroll-reference", s.getJsonObject("run").getString("preset"));
        JsonArray cluster = s.getJsonArray("cluster");
        for (String role : new String[]{"rollout", "discriminator", "value", "generator", "coordinator"})
            assertTrue(cluster.stream().anyMatch(o -> role.equals(((JsonObject) o).getString("role"))
                    && "alive".equals(((JsonObject) o).getString("state"))), role + " in " + cluster);
        JsonObject metrics = new JsonObject(get("/api/metrics?since=0").body());
        assertFalse(metrics.getJsonArray("entries").isEmpty());
        long last = metrics.getJsonArray("entries").getJsonObject(metrics.getJsonArray("entries").size() - 1).getLong("t");
        assertTrue(new JsonObject(get("/api/metrics?since=" + last).body()).getJsonArray("entries").size()
                < metrics.getJsonArray("entries").size());
        assertEquals(400, get("/api/metrics?since=yesterday").statusCode());
        JsonObject samples = new JsonObject(get("/api/samples").body());
        assertEquals(4000, samples.getJsonObject("samples").getJsonArray("xy").size(), "2000 two-dimensional samples");
        assertEquals("points", samples.getJsonObject("data").getString("kind"));
        assertFalse(samples.getJsonObject("data").getJsonArray("xy").isEmpty());
        HttpResponse<String> prom = get("/metrics");
        assertTrue(prom.body().contains("# TYPE sftpg_policyVersion gauge"), prom.body());
        assertTrue(prom.body().contains("sftpg_criticSteps{role=\"discriminator\""), prom.body());
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("chart.umd.min.js"));
        assertEquals(200, get("/webjars/chart.js/4.5.1/dist/chart.umd.min.js").statusCode());
        assertEquals(200, get("/app.js").statusCode());

        // control without (or with a wrong) token: 401 and nothing changes
        assertEquals(401, post("/api/control/stop", null).statusCode());
        assertEquals(401, post("/api/control/pause", "guess").statusCode());
        assertFalse(status().getJsonObject("coordinator").getBoolean("paused"));
        assertFalse(run.isDone());

        assertEquals(200, post("/api/control/pause", "secret-token").statusCode());
        waitFor(() -> {
            try {
                return status().getJsonObject("coordinator").getBoolean("paused");
            } catch (Exception e) {
                return false;
            }
        }, 10, err);
        // paused: no training, and a checkpoint taken now is a consistent cut (nothing in flight)
        Thread.sleep(1500);
        long pausedAt = status().getJsonObject("coordinator").getLong("policyVersion");
        Thread.sleep(2000);
        assertEquals(pausedAt, status().getJsonObject("coordinator").getLong("policyVersion"), "a paused run does not train");
        assertEquals(200, post("/api/control/checkpoint", "secret-token").statusCode());
        String lastCheckpoint = java.util.Arrays.stream(Files.readString(runDir.resolve("metrics.jsonl")).split("\n"))
                .filter(l -> l.contains("\"event\":\"checkpoint\"")).reduce((a, b) -> b).orElse("");
        assertTrue(lastCheckpoint.contains("\"consistent\":true"), lastCheckpoint);
        assertEquals(200, post("/api/control/resume", "secret-token").statusCode());
        waitFor(() -> {
            try {
                return status().getJsonObject("coordinator").getLong("policyVersion") > pausedAt + 2;
            } catch (Exception e) {
                return false;
            }
        }, 30, err);
        assertEquals(400, post("/api/control/explode", "secret-token").statusCode());
        assertEquals(200, post("/api/control/checkpoint", "secret-token").statusCode());
        assertEquals(200, post("/api/control/stop", "secret-token").statusCode());
        assertEquals(0, run.get(2, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        assertEquals("stopped from the dashboard", report.getString("stopReason"));
    }

    @Test
    void aBusyPortIsRefusedWithTheFix(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(new String[]{"run", "--config", "swissroll-reference", "--run-dir", dir.resolve("r").toString(),
                    "--set", "finetune.pretrained=" + TinyModels.pretrained(), "--set", "data.size=4000", "--set", "eval.n=200",
                    "--set", "eval.seeds=1", "--set", "cluster.port=5861", "--set", "dashboard.port=" + busy.getLocalPort()},
                    new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, code);
            String msg = err.toString(StandardCharsets.UTF_8);
            assertTrue(msg.contains("dashboard.port") && msg.contains("--no-dashboard"), msg);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier c, int seconds, ByteArrayOutputStream err) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (c.getAsBoolean()) return;
            Thread.sleep(250);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        fail("timed out after " + seconds + " s\n" + e.substring(Math.max(0, e.length() - 3000)));
    }
}
