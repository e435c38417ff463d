package dev.sftpg.verticles;

import dev.sftpg.data.EpochSampler;
import dev.sftpg.data.Points;
import dev.sftpg.finetune.CriticLearner;
import dev.sftpg.finetune.SftPgSetup;
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

import java.util.SplittableRandom;

/**
 * The critic f. Per incoming trajectory batch, strictly in order: score f(x0), have the value learner fit the
 * batch against those scores (its reply carries d(value loss)/d f(x0)), take one critic step on a real batch
 * plus that coupling gradient, then hand the batch on to the generator. Also answers score queries.
 */
public final class DiscriminatorVerticle extends LearnerVerticle {
    private final SftPgSetup setup;
    private final Points data;
    private final SerialQueue queue = new SerialQueue();
    private CriticLearner critic;
    private EpochSampler real;
    private long steps;
    private double lastIpm, lastLoss, lastGradNorm;

    public DiscriminatorVerticle(SftPgSetup setup, Points data) {
        super("discriminator", "discriminator");
        this.setup = setup;
        this.data = data;
    }

    @Override
    public Future<?> start() {
        critic = setup.critic();
        real = new EpochSampler(data, new SplittableRandom(setup.seed() * 31 + 4));
        vertx.eventBus().<Buffer>consumer(Addresses.BATCH, m -> queue.submit(() -> onBatch(m)));
        vertx.eventBus().<Buffer>consumer(Addresses.CRITIC_SCORE, this::onScore);
        serveSnapshots(() -> steps, critic.network(), critic.optimizer());
        startMetrics();
        return Future.succeededFuture();
    }

    private Future<?> onBatch(Message<Buffer> m) {
        TrajectoryBatch batch = wire.decode(m, TrajectoryBatch.class);
        if (batch == null) return Future.succeededFuture();
        if (batch.sampleSize() != setup.dim() || batch.steps() != setup.sampler().steps()) {
            wire.reject(m, "trajectory batch of " + batch.steps() + " steps of size " + batch.sampleSize() + " does not fit this run ("
                    + setup.sampler().steps() + " steps of size " + setup.dim() + ")");
            return Future.succeededFuture();
        }
        int b = batch.batch();
        float[] fin = batch.finalStates();
        float[] f = critic.score(fin, b);
        return Requests.request(vertx, Addresses.VALUE_FIT, Wire.pair(batch, new ScoreReply(batch.sequence(), f)), wire.from(), id)
                .map(reply -> {
                    CouplingGradient c = wire.decode(reply, CouplingGradient.class);
                    if (c == null) return null;
                    CriticLearner.Step s = critic.step(real.nextBatch(b), b, fin, b, c.gradient());
                    steps++;
                    lastIpm = s.ipm();
                    lastLoss = s.loss();
                    lastGradNorm = s.update().gradNorm();
                    vertx.eventBus().send(Addresses.GENERATOR_BATCH, m.body(), wire.from());
                    return null;
                });
    }

    private void onScore(Message<Buffer> m) {
        ScoreQuery q = wire.decode(m, ScoreQuery.class);
        if (q == null) return;
        if (q.sampleSize() != setup.dim()) {
            wire.reject(m, "score query of points of size " + q.sampleSize() + ", this run's are " + setup.dim());
            return;
        }
        m.reply(Wire.encode(q.reply(critic.score(q.points(), q.n()))));
    }

    @Override
    JsonObject metrics() {
        return new JsonObject().put("criticSteps", steps).put("ipm", lastIpm).put("criticLoss", lastLoss)
                .put("criticGradNorm", lastGradNorm).put("criticLr", critic.optimizer().learningRate())
                .put("queueDepth", queue.depth());
    }
}
