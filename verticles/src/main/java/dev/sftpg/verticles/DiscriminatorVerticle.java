package dev.sftpg.verticles;

import dev.sftpg.data.EpochSampler;
import dev.sftpg.data.Samples;
import dev.sftpg.finetune.CriticLearner;
import dev.sftpg.finetune.NetworkState;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.Credit;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.messages.CouplingGradient;
import dev.sftpg.messages.ScoreQuery;
import dev.sftpg.messages.ScoreReply;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Requests;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;


/**
 * The critic f. Per incoming trajectory batch, strictly in order: score f(x0), have the value learner fit the
 * batch against those scores (its reply carries d(value loss)/d f(x0)), take one critic step on a real batch
 * plus that coupling gradient, then hand the batch on to the generator. Also answers score queries.
 */
public final class DiscriminatorVerticle extends LearnerVerticle {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final SftPgSetup setup;
    private final LearnerSettings settings;
    private final Samples data;
    private final LearnerState initial;
    private final SerialQueue queue = new SerialQueue();
    private CriticLearner critic;
    private EpochSampler real;
    private long steps, lostBatches;
    private double lastIpm, lastLoss, lastGradNorm;

    /** @param initial the state to start from (a resumed run), or null for a fresh critic */
    public DiscriminatorVerticle(SftPgSetup setup, Addresses bus, Samples data, LearnerState initial) {
        this(setup, LearnerSettings.from(setup.config()), bus, data, initial);
    }

    public DiscriminatorVerticle(SftPgSetup setup, LearnerSettings settings, Addresses bus, Samples data, LearnerState initial) {
        super("discriminator", "discriminator", bus);
        this.setup = setup;
        this.settings = settings;
        this.data = data;
        this.initial = initial;
    }

    @Override
    public Future<?> start() {
        critic = setup.critic();
        real = setup.realBatches(data);
        if (initial != null) {
            restore(initial);
            steps = initial.counters().path("steps").asLong();
        }
        faultThreshold(settings.nanRollbackAfter());
        vertx.eventBus().<Buffer>consumer(bus.batch(), m -> queue.submit(() -> onBatch(m)));
        vertx.eventBus().<Buffer>consumer(bus.criticScore(), this::onScore);
        serveState(queue, () -> NetworkState.capture(role, critic.network(), critic.optimizer(),
                JSON.createObjectNode().put("steps", steps).put("realDrawn", real.drawn()), java.util.Map.of()), this::restore);
        startMetrics();
        return Future.succeededFuture();
    }

    /** Weights, moments and the real-data position of a checkpoint; the step count only moves forward. */
    private void restore(LearnerState s) {
        NetworkState.restore(s, critic.network(), critic.optimizer());
        real.skipTo(s.counters().path("realDrawn").asLong());
    }

    private Future<?> onBatch(Message<Buffer> m) {
        if (!ownBatch(m)) return Future.succeededFuture();
        TrajectoryBatch batch = wire.decode(m, TrajectoryBatch.class);
        if (batch == null) return Future.succeededFuture();
        if (!setup.shape().matches(batch.sampleShape()) || batch.steps() != setup.sampler().steps()) {
            wire.reject(m, "trajectory batch of " + batch.steps() + " steps of shape " + Arrays.toString(batch.sampleShape())
                    + " does not fit this run (" + setup.sampler().steps() + " steps of shape " + setup.shape() + ")");
            return Future.succeededFuture();
        }
        int b = batch.batch();
        float[] fin = batch.finalStates();
        float[] f = critic.score(fin, b);
        if (!allFinite(f)) { // a diverged or garbage batch: no step on it, and it counts towards a rollback
            noteUpdate(false, "critic");
            batchLost(batch, "the critic's scores of its samples are not finite");
            return Future.succeededFuture();
        }
        return Requests.request(vertx, bus.valueFit(), Wire.pair(batch, new ScoreReply(batch.sequence(), f)), wire.from(), id)
                .map(reply -> {
                    CouplingGradient c = wire.decode(reply, CouplingGradient.class);
                    if (c == null) throw new IllegalStateException("malformed reply from the value learner");
                    CriticLearner.Step s = critic.step(real.nextBatch(b), b, fin, b, c.gradient());
                    steps++;
                    noteUpdate(s.update().finite(), "critic");
                    lastIpm = s.ipm();
                    lastLoss = s.loss();
                    lastGradNorm = s.update().gradNorm();
                    vertx.eventBus().send(bus.generatorBatch(), m.body(), stampOf(m));
                    return null;
                })
                .onFailure(e -> batchLost(batch, e.getMessage()));
    }

    /** A batch that did not make it through (the value learner failed or vanished): its credit must still come back. */
    private void batchLost(TrajectoryBatch batch, String why) {
        if (lostBatches++ == 0 || lostBatches % 100 == 0)
            Log.warn(role, "batch " + batch.sequence() + " of " + batch.workerId() + " lost (" + why + "); " + lostBatches + " lost so far");
        vertx.eventBus().send(bus.batchLost(), Wire.encode(new Credit(batch.workerId(), 1)), wire.from());
    }

    private void onScore(Message<Buffer> m) {
        ScoreQuery q = wire.decode(m, ScoreQuery.class);
        if (q == null) return;
        if (!setup.shape().matches(q.sampleShape())) {
            wire.reject(m, "score query of samples of shape " + Arrays.toString(q.sampleShape()) + ", this run's are " + setup.shape());
            return;
        }
        m.reply(Wire.encode(q.reply(critic.score(q.points(), q.n()))));
    }

    @Override
    JsonObject metrics() {
        return new JsonObject().put("criticSteps", steps).put("ipm", lastIpm).put("criticLoss", lastLoss)
                .put("criticGradNorm", lastGradNorm).put("lostBatches", lostBatches).put("criticLr", critic.optimizer().learningRate())
                .put("queueDepth", queue.depth());
    }
}
