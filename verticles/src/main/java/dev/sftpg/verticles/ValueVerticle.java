package dev.sftpg.verticles;

import dev.sftpg.finetune.NetworkState;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.finetune.ValueLearner;
import dev.sftpg.messages.CouplingGradient;
import dev.sftpg.messages.ScoreQuery;
import dev.sftpg.messages.ScoreReply;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The value V(x_i, i). Fits each batch against the critic's f(x0) when the discriminator asks, replying with the
 * gradient of its loss w.r.t. f(x0) (the coupling that regularises the critic); answers V queries for advantages.
 */
public final class ValueVerticle extends LearnerVerticle {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final SftPgSetup setup;
    private final LearnerSettings settings;
    private final LearnerState initial;
    private ValueLearner value;
    private long steps;
    private double lastLoss, lastGradNorm;

    /** @param initial the state to start from (a resumed run), or null for a fresh value network */
    public ValueVerticle(SftPgSetup setup, Addresses bus, LearnerState initial) {
        this(setup, LearnerSettings.from(setup.config()), bus, initial);
    }

    public ValueVerticle(SftPgSetup setup, LearnerSettings settings, Addresses bus, LearnerState initial) {
        super("value", "value", bus);
        this.setup = setup;
        this.settings = settings;
        this.initial = initial;
    }

    @Override
    public Future<?> start() {
        value = setup.value();
        vertx.eventBus().<Buffer>consumer(bus.valueFit(), this::onFit);
        vertx.eventBus().<Buffer>consumer(bus.valueScore(), this::onScore);
        faultThreshold(settings.nanRollbackAfter());
        serveState(null, () -> NetworkState.capture(role, value.network(), value.optimizer(),
                JSON.createObjectNode().put("steps", steps), java.util.Map.of()),
                s -> NetworkState.restore(s, value.network(), value.optimizer())); // the step count only moves forward
        if (initial != null) {
            NetworkState.restore(initial, value.network(), value.optimizer());
            steps = initial.counters().path("steps").asLong();
        }
        startMetrics();
        return Future.succeededFuture();
    }

    private void onFit(Message<Buffer> m) {
        Object[] pair = wire.decodePair(m, TrajectoryBatch.class, ScoreReply.class);
        if (pair == null) return;
        TrajectoryBatch batch = (TrajectoryBatch) pair[0];
        float[] f = ((ScoreReply) pair[1]).values();
        if (f.length != batch.batch() || !setup.shape().matches(batch.sampleShape()) || batch.steps() != setup.sampler().steps()) {
            wire.reject(m, "value fit: batch or scores do not fit this run");
            return;
        }
        ValueLearner.Coupling c = value.step(batch.states(), batch.steps(), batch.batch(), f, setup.lambda());
        steps++;
        noteUpdate(c.update().finite(), "value");
        if (!c.update().finite() || !allFinite(c.criticGradient())) { // skipped: the critic must not get this coupling
            m.fail(500, "the value step on batch " + batch.sequence() + " of " + batch.workerId() + " was not finite");
            return;
        }
        lastLoss = c.loss();
        lastGradNorm = c.update().gradNorm();
        m.reply(Wire.encode(new CouplingGradient(batch.workerId(), batch.sequence(), f, c.criticGradient(), c.loss())));
    }

    private void onScore(Message<Buffer> m) {
        ScoreQuery q = wire.decode(m, ScoreQuery.class);
        if (q == null) return;
        if (!q.isValueQuery() || !setup.shape().matches(q.sampleShape())) {
            wire.reject(m, "value queries need samples of shape " + setup.shape() + " and a step index per sample");
            return;
        }
        m.reply(Wire.encode(q.reply(value.predict(q.points(), q.n(), q.steps()))));
    }

    @Override
    JsonObject metrics() {
        return new JsonObject().put("valueSteps", steps).put("valueLoss", lastLoss).put("valueGradNorm", lastGradNorm)
                .put("valueLr", value.optimizer().learningRate());
    }
}
