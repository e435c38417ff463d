package dev.sftpg.cluster;

import dev.sftpg.data.SampleShape;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.MessageCodecs;
import dev.sftpg.messages.MetricsReport;
import dev.sftpg.messages.ScoreQuery;
import dev.sftpg.messages.ScoreReply;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.verticles.Deployer;
import dev.sftpg.verticles.DiscriminatorVerticle;
import dev.sftpg.verticles.ValueVerticle;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Garbage, truncated and wrong-shape messages are rejected and counted; the learners keep answering. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MalformedMessageTest {

    @Test
    void learnersRejectBadInputAndKeepRunning() throws Exception {
        Log.quiet(true);
        SftPgSetup setup = new SftPgSetup(TinyModels.config("critic.hidden=16", "value.hidden=16"), SampleShape.vector(2));
        Vertx vertx = Vertx.vertx();
        Addresses bus = new Addresses("malformed", 1);
        try {
            await(Deployer.deploy(vertx, new ValueVerticle(setup, bus, null), "value"));
            await(Deployer.deploy(vertx, new DiscriminatorVerticle(setup, bus, setup.diffusion().dataSource().sample(500, 0), null), "discriminator"));
            DeliveryOptions evil = new DeliveryOptions().addHeader(Addresses.SENDER, "evil");
            byte[] garbage = new byte[64];
            new Random(1).nextBytes(garbage);
            vertx.eventBus().send(bus.batch(), Buffer.buffer(garbage), evil);
            byte[] valid = MessageCodecs.encode(ScoreQuery.critic(1, new int[]{2}, new float[]{0.1f, 0.2f}));
            vertx.eventBus().send(bus.batch(), Buffer.buffer(java.util.Arrays.copyOf(valid, valid.length - 3)), evil);
            // a well-formed batch of 3-D points does not fit a 2-D run
            TrajectoryBatch wrongShape = new TrajectoryBatch(0, "evil", 0, 10, 1, new int[]{3}, new float[11 * 3]);
            vertx.eventBus().send(bus.batch(), Wire.encode(wrongShape), evil);
            ExecutionException e = assertThrows(ExecutionException.class, () -> vertx.eventBus()
                    .request(bus.criticScore(), Buffer.buffer(garbage), evil).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals(400, ((ReplyException) e.getCause()).failureCode());
            vertx.eventBus().send(bus.valueFit(), Buffer.buffer("not a pair"), evil);

            // still serving
            var reply = vertx.eventBus().<Buffer>request(bus.criticScore(), Buffer.buffer(valid), evil)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(1, MessageCodecs.decode(reply.body().getBytes(), ScoreReply.class).values().length);

            CompletableFuture<Long> discRejects = new CompletableFuture<>(), valueRejects = new CompletableFuture<>();
            vertx.eventBus().<Buffer>consumer(bus.metrics(), m -> {
                MetricsReport r = MessageCodecs.decode(m.body().getBytes(), MetricsReport.class);
                long n = new JsonObject(r.json()).getLong("rejectedMessages");
                if (r.source().equals("discriminator") && n == 4) discRejects.complete(n);
                if (r.source().equals("value") && n == 1) valueRejects.complete(n);
            });
            assertEquals(4, discRejects.get(10, TimeUnit.SECONDS));
            assertEquals(1, valueRejects.get(10, TimeUnit.SECONDS));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            Log.quiet(false);
        }
    }

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
