package dev.sftpg.verticles;

import dev.sftpg.messages.MetricsReport;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.verticles.bus.Log;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Common shell of the roles: a name, the {@link Addresses} of the run's incarnation it serves, a {@link Wire} that
 * counts malformed input, and a once-a-second metrics snapshot on {@link Addresses#metrics()}. Subclasses are
 * deployed as worker verticles with a pool of one thread, so their ND4J work never runs on an event loop and always
 * on the same thread.
 */
abstract class LearnerVerticle extends VerticleBase {
    protected final String role;
    protected final String id;
    protected final Wire wire;
    /** The incarnation this verticle serves: a rollout worker of a worker process moves to a resumed run's. */
    protected Addresses bus;
    private final Map<String, Long> batchesByIncarnation = new TreeMap<>();
    private long metricsTimer = -1;

    LearnerVerticle(String role, String id, Addresses bus) {
        this.role = role;
        this.id = id;
        this.wire = new Wire(id);
        this.bus = bus;
    }

    private int consecutiveSkips, faultThreshold = Integer.MAX_VALUE;
    private long skippedUpdates;

    /** Sender and incarnation: what a trajectory batch carries, so whoever receives it can tell whose credit it spends. */
    protected DeliveryOptions stamped() {
        return wire.from().addHeader(Addresses.INCARNATION, Long.toString(bus.incarnation()));
    }

    /** {@link #stamped()} with the stamp of the batch {@code m} passed on, not this verticle's own. */
    protected DeliveryOptions stampOf(Message<?> m) {
        String stamp = m.headers().get(Addresses.INCARNATION);
        return stamp == null ? wire.from() : wire.from().addHeader(Addresses.INCARNATION, stamp);
    }

    /**
     * Counts an arriving batch under the incarnation it was made for ("unstamped" without one), for the metrics, and
     * whether it is this incarnation's: another's is rejected (its credit belongs to that incarnation's generator).
     * The addresses already keep the incarnations apart; this checks that they did.
     */
    protected boolean ownBatch(Message<?> m) {
        String stamp = m.headers().get(Addresses.INCARNATION);
        batchesByIncarnation.merge(stamp == null ? "unstamped" : stamp, 1L, Long::sum);
        if (stamp == null || stamp.equals(Long.toString(bus.incarnation()))) return true;
        wire.reject(m, "a batch made for incarnation " + stamp + " of the run reached incarnation " + bus.incarnation());
        return false;
    }

    /**
     * Answers checkpoint requests on {@link Addresses#snapshot} with the learner's whole state, and restores one
     * sent to {@link Addresses#restore}. Both go through {@code queue} (when the role has one) so they never
     * land between the halves of a batch that is waiting on a reply.
     */
    protected void serveState(SerialQueue queue, Supplier<LearnerState> capture, Consumer<LearnerState> restore) {
        vertx.eventBus().<Buffer>consumer(bus.snapshot(role), m -> inOrder(queue, () -> {
            try {
                m.reply(Wire.encode(capture.get()));
            } catch (IllegalArgumentException e) { // a non-finite weight: never let it become a checkpoint
                m.fail(500, role + " state is not finite: " + e.getMessage());
            }
        }));
        vertx.eventBus().<Buffer>consumer(bus.restore(role), m -> inOrder(queue, () -> {
            LearnerState s = wire.decode(m, LearnerState.class);
            if (s == null) return;
            try {
                restore.accept(s);
                consecutiveSkips = 0;
                m.reply(Buffer.buffer());
            } catch (IllegalArgumentException e) {
                m.fail(400, e.getMessage());
            }
        }));
    }

    private static void inOrder(SerialQueue queue, Runnable job) {
        if (queue == null) job.run();
        else queue.submit(() -> {
            job.run();
            return Future.succeededFuture();
        });
    }

    /** How many skipped updates in a row ask the coordinator for a rollback ({@code train.nanRollbackAfter}). */
    protected void faultThreshold(int n) {
        faultThreshold = n;
    }

    /**
     * Counts an optimiser step: a skipped (non-finite) one is counted, and the threshold of them in a row sends one
     * fault notice to the coordinator, which rolls every learner back to the last checkpoint.
     */
    protected void noteUpdate(boolean finite, String what) {
        if (finite) {
            consecutiveSkips = 0;
            return;
        }
        skippedUpdates++;
        if (++consecutiveSkips == faultThreshold) {
            Log.warn(role, consecutiveSkips + " " + what + " updates in a row were non-finite and skipped: asking for a rollback");
            vertx.eventBus().publish(bus.fault(), new JsonObject().put("role", role).put("reason",
                    consecutiveSkips + " non-finite " + what + " updates in a row"), wire.from());
        }
    }

    /** Whether every value is finite (scores and gradients are checked before they leave a learner). */
    protected static boolean allFinite(float[] a) {
        for (float x : a) if (!Float.isFinite(x)) return false;
        return true;
    }

    /** The role's current figures (counters, losses, queue depths). */
    abstract JsonObject metrics();

    protected void startMetrics() {
        metricsTimer = vertx.setPeriodic(1000, t -> publishMetrics());
    }

    protected void publishMetrics() {
        JsonObject m = metrics().put("role", role).put("id", id).put("rejectedMessages", wire.rejectedTotal())
                .put("skippedUpdates", skippedUpdates).put("incarnation", bus.incarnation())
                .put("host", HOST);
        if (!batchesByIncarnation.isEmpty()) m.put("batchesByIncarnation", new JsonObject(new TreeMap<>(batchesByIncarnation)));
        vertx.eventBus().publish(bus.metrics(), Wire.encode(new MetricsReport(id, System.currentTimeMillis(), m.encode())),
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
