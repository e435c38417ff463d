package dev.sftpg.verticles;

import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Requests;
import dev.sftpg.verticles.bus.Wire;
import dev.sftpg.verticles.coordinator.LearnerBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The coordinator's requests to the learners over the bus. Every one is bounded, so a lost learner can never stall
 * the end of a run.
 */
final class LearnerRequests implements LearnerBus {
    static final long REPLY_WAIT_MILLIS = 30_000;

    private final Vertx vertx;
    private final Wire wire;
    private final Addresses bus;
    private final String id;
    private final BooleanSupplier keepHeld;

    /** @param keepHeld whether a hold must outlast the checkpoint or rollback that took it (paused, or the run ending) */
    LearnerRequests(Vertx vertx, Wire wire, Addresses bus, String id, BooleanSupplier keepHeld) {
        this.vertx = vertx;
        this.wire = wire;
        this.bus = bus;
        this.id = id;
        this.keepHeld = keepHeld;
    }

    DeliveryOptions bounded() {
        return wire.from().setSendTimeout(REPLY_WAIT_MILLIS);
    }

    /** Holds (or releases) the generator's credits; holding completes once nothing is in flight. */
    Future<Boolean> hold(boolean on) {
        return Requests.request(vertx, bus.generatorHold(), Buffer.buffer(new JsonObject().put("hold", on).encode()),
                bounded(), id, REPLY_WAIT_MILLIS).map(r -> new JsonObject(r.body()).getBoolean("quiescent", true));
    }

    @Override
    public Future<Boolean> hold() {
        return hold(true);
    }

    @Override
    public Future<?> release() {
        return keepHeld.getAsBoolean() ? Future.succeededFuture() : hold(false);
    }

    @Override
    public Future<Map<String, LearnerState>> snapshot() {
        List<Future<Message<Buffer>>> parts = new ArrayList<>();
        for (String r : LEARNERS)
            parts.add(Requests.request(vertx, bus.snapshot(r), Buffer.buffer(), bounded(), id, REPLY_WAIT_MILLIS));
        return Future.all(parts).compose(all -> {
            Map<String, LearnerState> states = new LinkedHashMap<>();
            for (int i = 0; i < LEARNERS.size(); i++) {
                LearnerState st = wire.decode(parts.get(i).result(), LearnerState.class);
                if (st == null) return Future.failedFuture("malformed state from the " + LEARNERS.get(i));
                states.put(LEARNERS.get(i), st);
            }
            return Future.succeededFuture(states);
        });
    }

    @Override
    public Future<?> restore(String learner, LearnerState s) {
        return Requests.request(vertx, bus.restore(learner), Wire.encode(s), bounded(), id, REPLY_WAIT_MILLIS);
    }

    /** The policy's current weights, as the generator serves them. */
    Future<Message<Buffer>> currentPolicy() {
        return Requests.request(vertx, bus.policyWeights(), Buffer.buffer(), bounded(), id, REPLY_WAIT_MILLIS);
    }
}
