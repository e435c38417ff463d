package dev.sftpg.verticles;

import dev.sftpg.data.Samples;
import dev.sftpg.messages.MetricsReport;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.IncarnationConsumers;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.SamplePreview;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live dashboard: static page and chart library from the classpath, a JSON API over what the cluster
 * publishes (metrics, evaluations, samples), Server-Sent Events for live updates, Prometheus text, and
 * token-protected control actions forwarded to the coordinator. It only listens on the bus: nothing inbound
 * from the browser reaches the cluster except the authenticated control requests.
 */
public final class DashboardVerticle extends VerticleBase {
    private static final int HISTORY = 20_000;
    private static final long LOST_AFTER_MILLIS = 5_000;

    private final String host;
    private final int port;
    private final String token;
    private final JsonObject runInfo;
    private final JsonObject dataPreview;
    private final Wire wire = new Wire("dashboard");
    private final Deque<JsonObject> history = new ArrayDeque<>();
    private final Map<String, JsonObject> latest = new TreeMap<>();
    private final Map<String, Long> lastSeen = new TreeMap<>();
    private final JsonArray evaluations = new JsonArray();
    private final List<HttpServerResponse> streams = new ArrayList<>();
    private JsonObject latestSamples = new JsonObject();
    private HttpServer server;
    private final Addresses bus;
    private IncarnationConsumers consumers;

    /**
     * @param runInfo  static facts about the run (id, preset, key config values) shown on the page
     * @param data     real samples drawn behind (points) or beside (images) the policy's samples
     * @param bus      the incarnation of the run to show first; a newer one's heartbeat (a resume) moves it there
     */
    public DashboardVerticle(String host, int port, String token, JsonObject runInfo, Samples data, Addresses bus) {
        this.bus = bus;
        this.host = host;
        this.port = port;
        this.token = token;
        this.runInfo = runInfo;
        this.dataPreview = SamplePreview.of(data);
    }

    public int port() {
        return server == null ? port : server.actualPort();
    }

    @Override
    public Future<?> start() {
        consumers = new IncarnationConsumers(vertx.eventBus(), bus);
        vertx.eventBus().consumer(Addresses.HEARTBEAT, m -> {
            Addresses beat = Addresses.ofHeartbeat(m);
            if (!consumers.at().supersededBy(beat)) return;
            Log.info("dashboard", "the run was resumed (incarnation " + beat.incarnation() + "): showing that one now");
            // the cluster view is the new incarnation's; the history and the curve so far stay
            latest.clear();
            lastSeen.clear();
            consumers.moveTo(beat);
        });
        consumers.<Buffer>consumer(Addresses::metrics, m -> {
            MetricsReport r = wire.decode(m, MetricsReport.class);
            if (r == null) return;
            JsonObject metrics = new JsonObject(r.json());
            JsonObject entry = new JsonObject().put("t", r.timestampMillis()).put("source", r.source()).put("metrics", metrics);
            latest.put(r.source(), metrics);
            lastSeen.put(r.source(), System.currentTimeMillis());
            history.addLast(entry);
            while (history.size() > HISTORY) history.removeFirst();
            broadcast("metrics", entry);
        });
        consumers.<JsonObject>consumer(Addresses::events, m -> {
            JsonObject e = m.body();
            if (!"eval".equals(e.getString("type"))) return;
            JsonObject samples = e.getJsonObject("samples");
            JsonObject point = e.copy();
            point.remove("samples");
            evaluations.add(point);
            if (samples != null) latestSamples = new JsonObject().put("generatorStep", e.getLong("generatorStep")).put("samples", samples);
            broadcast("eval", point);
        });

        Router router = Router.router(vertx);
        router.get("/api/status").handler(this::status);
        router.get("/api/metrics").handler(this::metricsSince);
        router.get("/api/samples").handler(this::samples);
        router.get("/api/events").handler(this::events);
        router.get("/metrics").handler(this::prometheus);
        router.post("/api/control/:action").handler(this::control);
        router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
        router.route("/*").handler(StaticHandler.create("web").setIndexPage("index.html").setCachingEnabled(false));
        return vertx.createHttpServer().requestHandler(router).listen(port, host).map(s -> {
            server = s;
            return s;
        });
    }

    private void status(RoutingContext ctx) {
        JsonArray cluster = new JsonArray();
        long now = System.currentTimeMillis();
        latest.forEach((id, m) -> {
            long seen = lastSeen.getOrDefault(id, 0L);
            cluster.add(new JsonObject().put("id", id).put("role", m.getString("role")).put("host", m.getString("host"))
                    .put("state", now - seen > LOST_AFTER_MILLIS ? "lost" : "alive").put("lastHeartbeatMillis", seen)
                    .put("policyVersion", m.getValue("policyVersion")).put("batchesPerSecond", m.getValue("batchesPerSecond"))
                    .put("queueDepth", m.getValue("queueDepth")));
        });
        JsonObject coordinator = latest.getOrDefault("coordinator", new JsonObject());
        ctx.json(new JsonObject().put("run", runInfo).put("incarnation", consumers.at().incarnation()).put("coordinator", coordinator).put("cluster", cluster)
                .put("evaluations", evaluations).put("generator", latest.getOrDefault("generator", new JsonObject()))
                .put("discriminator", latest.getOrDefault("discriminator", new JsonObject()))
                .put("value", latest.getOrDefault("value", new JsonObject())));
    }

    private void metricsSince(RoutingContext ctx) {
        long since;
        try {
            since = Long.parseLong(ctx.request().getParam("since", "0"));
        } catch (NumberFormatException e) {
            ctx.response().setStatusCode(400).end("since must be a time in milliseconds");
            return;
        }
        JsonArray out = new JsonArray();
        for (JsonObject e : history) if (e.getLong("t") > since) out.add(e);
        ctx.json(new JsonObject().put("entries", out).put("evaluations", evaluations));
    }

    /** The latest evaluation's samples and the real data, each as a {@link SamplePreview}. */
    private void samples(RoutingContext ctx) {
        ctx.json(latestSamples.copy().put("data", dataPreview));
    }

    private void events(RoutingContext ctx) {
        HttpServerResponse r = ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        r.write(": connected\n\n");
        streams.add(r);
        r.closeHandler(v -> streams.remove(r));
    }

    private void broadcast(String event, JsonObject data) {
        String frame = "event: " + event + "\ndata: " + data.encode() + "\n\n";
        for (HttpServerResponse r : new ArrayList<>(streams)) {
            if (r.closed() || r.ended()) streams.remove(r);
            else r.write(frame);
        }
    }

    private void prometheus(RoutingContext ctx) {
        StringBuilder sb = new StringBuilder();
        Map<String, List<String>> byName = new TreeMap<>();
        latest.forEach((id, m) -> m.forEach(e -> {
            if (e.getValue() instanceof Number n && Double.isFinite(n.doubleValue())) {
                String name = "sftpg_" + e.getKey().replaceAll("[^a-zA-Z0-9_]", "_");
                byName.computeIfAbsent(name, k -> new ArrayList<>()).add(name + "{role=\"" + m.getString("role", "")
                        + "\",id=\"" + id.replace("\"", "") + "\"} " + n.doubleValue());
            }
        }));
        byName.forEach((name, lines) -> {
            sb.append("# TYPE ").append(name).append(" gauge\n");
            lines.forEach(l -> sb.append(l).append('\n'));
        });
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(sb.toString());
    }

    private void control(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("error", "control actions need the token printed at start-up, as 'Authorization: Bearer TOKEN'").encode());
            return;
        }
        String action = ctx.pathParam("action");
        vertx.eventBus().<JsonObject>request(consumers.at().controlRequest(), new JsonObject().put("action", action))
                .onSuccess(reply -> ctx.json(reply.body()))
                .onFailure(e -> {
                    int code = e instanceof io.vertx.core.eventbus.ReplyException re && re.failureCode() >= 400 ? re.failureCode() : 503;
                    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json")
                            .end(new JsonObject().put("error", e.getMessage()).encode());
                });
        Log.info("dashboard", "control action '" + action + "' requested");
    }
}
