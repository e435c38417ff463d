package dev.sftpg.verticles;

import dev.sftpg.messages.MetricsReport;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.verticles.bus.Log;

import java.util.function.Consumer;
import java.util.function.Supplier;

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

    private int consecutiveSkips, faultThreshold = Integer.MAX_VALUE;
    private long skippedUpdates;

    /**
     * Answers checkpoint requests on {@code sftpg.snapshot.<role>} with the learner's whole state, and restores
     * one sent to {@code sftpg.restore.<role>}. Both go through {@code queue} (when the role has one) so they never
     * land between the halves of a batch that is waiting on a reply.
     */
    protected void serveState(SerialQueue queue, Supplier<LearnerState> capture, Consumer<LearnerState> restore) {
        vertx.eventBus().<Buffer>consumer(Addresses.snapshot(role), m -> inOrder(queue, () -> {
            try {
                m.reply(Wire.encode(capture.get()));
            } catch (IllegalArgumentException e) { // a non-finite weight: never let it become a checkpoint
                m.fail(500, role + " state is not finite: " + e.getMessage());
            }
        }));
        vertx.eventBus().<Buffer>consumer(Addresses.restore(role), m -> inOrder(queue, () -> {
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
            vertx.eventBus().publish(Addresses.FAULT, new JsonObject().put("role", role).put("reason",
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
                .put("skippedUpdates", skippedUpdates)
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
