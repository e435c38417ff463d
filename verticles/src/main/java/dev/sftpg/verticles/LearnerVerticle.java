package dev.sftpg.verticles;

import dev.sftpg.messages.MetricsReport;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Common shell of the roles: a name, a {@link Wire} that counts malformed input, and a once-a-second metrics
 * snapshot on {@link Addresses#METRICS}. Subclasses are deployed as worker verticles with a pool of one thread,
 * so their ND4J work never runs on an event loop and always on the same thread.
 */
abstract class LearnerVerticle extends VerticleBase {
    protected final String role;
    protected final String id;
    protected final Wire wire;
    private long metricsTimer = -1;

    LearnerVerticle(String role, String id) {
        this.role = role;
        this.id = id;
        this.wire = new Wire(id);
    }

    /**
     * Answers checkpoint requests on {@code sftpg.snapshot.<role>} with two blobs: the network's weights (tagged
     * with {@code step}) and its optimiser state (tagged with the optimiser's iteration).
     */
    protected void serveSnapshots(java.util.function.LongSupplier step, dev.sftpg.nn.Network network, dev.sftpg.nn.Optimizer optimizer) {
        vertx.eventBus().<io.vertx.core.buffer.Buffer>consumer(Addresses.snapshot(role), m -> m.reply(Wire.pair(
                dev.sftpg.messages.PolicyWeights.of(step.getAsLong(), network.parameters().toFloats()),
                dev.sftpg.messages.PolicyWeights.of(optimizer.iteration(), optimizer.state().dup().data().asFloat()))));
    }

    /** The role's current figures (counters, losses, queue depths). */
    abstract JsonObject metrics();

    protected void startMetrics() {
        metricsTimer = vertx.setPeriodic(1000, t -> publishMetrics());
    }

    protected void publishMetrics() {
        JsonObject m = metrics().put("role", role).put("id", id).put("rejectedMessages", wire.rejectedTotal())
                .put("host", HOST);
        vertx.eventBus().publish(Addresses.METRICS, Wire.encode(new MetricsReport(id, System.currentTimeMillis(), m.encode())),
                wire.from());
    }

    private static final String HOST = hostName();

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }

    @Override
    public Future<?> stop() {
        if (metricsTimer >= 0) vertx.cancelTimer(metricsTimer);
        return Future.succeededFuture();
    }
}
