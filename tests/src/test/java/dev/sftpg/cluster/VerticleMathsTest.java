package dev.sftpg.cluster;

import dev.sftpg.data.SampleShape;
import dev.sftpg.config.Config;
import dev.sftpg.data.Samples;
import dev.sftpg.finetune.SftPgLoop;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.MessageCodecs;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.train.PretrainedModel;
import dev.sftpg.verticles.Deployer;
import dev.sftpg.verticles.DiscriminatorVerticle;
import dev.sftpg.verticles.GeneratorVerticle;
import dev.sftpg.verticles.RolloutVerticle;
import dev.sftpg.verticles.ValueVerticle;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The actors compute exactly what the reference loop computes: with one rollout worker holding one credit, the
 * policy after k updates made by the verticles equals, bit for bit, the single-thread loop's after the same batches.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VerticleMathsTest {

    /** With V as every step's baseline (the reference), and with the continuation baseline on steps 6..9. */
    @ParameterizedTest
    @ValueSource(strings = {"0", "0.05"})
    void verticlesReproduceTheReferenceLoopExactly(String tailBaselineStd) throws Exception {
        Log.quiet(true);
        PretrainedModel model = PretrainedModel.load(TinyModels.pretrained());
        Config config = TinyModels.config("finetune.batchSize=64", "critic.hidden=64", "value.hidden=64",
                "finetune.tailBaselineStd=" + tailBaselineStd);
        SftPgSetup setup = new SftPgSetup(config, SampleShape.vector(2));
        Samples data = setup.diffusion().trainingSet();
        int updates = 4;

        SftPgLoop loop = new SftPgLoop(setup, model.network(), data);
        for (int k = 0; k < updates * setup.nCritic(); k++) loop.step();
        assertEquals(updates, loop.policy().version());
        assertEquals(tailBaselineStd.equals("0") ? 10 : 6, loop.policy().tailFrom());

        Vertx vertx = Vertx.vertx();
        Addresses bus = new Addresses("maths", 1);
        try {
            CompletableFuture<PolicyWeights> reached = new CompletableFuture<>();
            vertx.eventBus().<Buffer>consumer(bus.policyAnnounce(), m -> {
                PolicyWeights w = MessageCodecs.decode(m.body().getBytes(), PolicyWeights.class);
                if (w.version() == updates) reached.complete(w);
            });
            await(Deployer.deploy(vertx, new ValueVerticle(setup, bus, null), "value"));
            await(Deployer.deploy(vertx, new DiscriminatorVerticle(setup, bus, data, null), "discriminator"));
            await(Deployer.deploy(vertx, new GeneratorVerticle(setup, bus, model.network(), null), "generator"));
            await(Deployer.deploy(vertx, new RolloutVerticle("rollout-0", 0, setup, model.network(), bus), "rollout-0"));
            PolicyWeights w = reached.get(120, TimeUnit.SECONDS);
            assertArrayEquals(loop.policy().weights(), w.params(), "policy weights after " + updates + " updates");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            Log.quiet(false);
        }
    }

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
