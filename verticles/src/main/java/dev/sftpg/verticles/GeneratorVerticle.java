package dev.sftpg.verticles;

import dev.sftpg.config.ConfigSchema;
import dev.sftpg.finetune.PolicyLearner;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.Credit;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.messages.ScoreQuery;
import dev.sftpg.messages.ScoreReply;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.Requests;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy. Buffers the transitions of batches whose critic and value steps are done (if their policy version
 * is within maxPolicyLag); every nCritic batches it scores minibatches with the current critic and value, takes
 * the policy-gradient steps, publishes the new version with its weights, and only then returns the batch's
 * credit, so a worker's next batch comes from the new policy.
 */
public final class GeneratorVerticle extends LearnerVerticle {
    private final SftPgSetup setup;
    private final ConditionalMlp pretrained;
    private final SerialQueue queue = new SerialQueue();
    private final Map<String, Long> batchesPerWorker = new LinkedHashMap<>();
    private final Map<String, Long> lastSeen = new LinkedHashMap<>();
    private final Map<Long, Long> lagHistogram = new java.util.TreeMap<>();
    private PolicyLearner policy;
    private int maxLag, credits;
    private long criticBatches, dropped, queryIds;
    private PolicyLearner.Update last;

    public GeneratorVerticle(SftPgSetup setup, ConditionalMlp pretrained) {
        super("generator", "generator");
        this.setup = setup;
        this.pretrained = pretrained;
    }

    @Override
    public Future<?> start() {
        policy = setup.policy(pretrained);
        maxLag = setup.config().get(ConfigSchema.FINETUNE_MAX_POLICY_LAG);
        credits = setup.config().get(ConfigSchema.TRAIN_CREDITS);
        vertx.eventBus().<Buffer>consumer(Addresses.POLICY_WEIGHTS, m -> m.reply(Wire.encode(weights())));
        vertx.eventBus().<Buffer>consumer(Addresses.WORKER_HELLO, this::onHello);
        vertx.eventBus().<Buffer>consumer(Addresses.GENERATOR_BATCH, m -> queue.submit(() -> onBatch(m)));
        serveSnapshots(policy::version, policy.network(), policy.optimizer());
        startMetrics();
        return Future.succeededFuture();
    }

    private PolicyWeights weights() {
        return PolicyWeights.of(policy.version(), policy.weights());
    }

    private void onHello(Message<Buffer> m) {
        Credit hello = wire.decode(m, Credit.class);
        if (hello == null) return;
        batchesPerWorker.putIfAbsent(hello.workerId(), 0L);
        lastSeen.put(hello.workerId(), System.currentTimeMillis());
        Log.info(role, "rollout worker " + hello.workerId() + " joined; granting " + credits + " credit(s)");
        m.reply(Wire.encode(new Credit(hello.workerId(), credits)));
    }

    private Future<?> onBatch(Message<Buffer> m) {
        TrajectoryBatch batch = wire.decode(m, TrajectoryBatch.class);
        if (batch == null) return Future.succeededFuture();
        batchesPerWorker.merge(batch.workerId(), 1L, Long::sum);
        lastSeen.put(batch.workerId(), System.currentTimeMillis());
        long lag = policy.version() - batch.policyVersion();
        lagHistogram.merge(lag, 1L, Long::sum);
        if (lag <= maxLag) policy.add(batch.states(), batch.batch());
        else dropped++;
        criticBatches++;
        Future<?> update = criticBatches % setup.nCritic() == 0 && policy.bufferedTransitions() > 0
                ? update() : Future.succeededFuture();
        return update.onComplete(ar -> {
            if (ar.failed()) Log.warn(role, "policy update failed: " + ar.cause().getMessage());
            DeliveryOptions o = wire.from().addHeader("policyVersion", Long.toString(policy.version()));
            vertx.eventBus().send(Addresses.credit(batch.workerId()), Wire.encode(new Credit(batch.workerId(), 1)), o);
        });
    }

    private Future<?> update() {
        List<PolicyLearner.Minibatch> mbs = policy.drawMinibatches();
        int total = mbs.stream().mapToInt(PolicyLearner.Minibatch::n).sum();
        int dim = setup.dim();
        float[] finals = new float[total * dim], states = new float[total * dim];
        int[] steps = new int[total];
        int at = 0;
        for (PolicyLearner.Minibatch mb : mbs) {
            System.arraycopy(mb.finals(), 0, finals, at * dim, mb.n() * dim);
            System.arraycopy(mb.x(), 0, states, at * dim, mb.n() * dim);
            System.arraycopy(mb.steps(), 0, steps, at, mb.n());
            at += mb.n();
        }
        int[] shape = {dim};
        Future<Message<Buffer>> f = Requests.request(vertx, Addresses.CRITIC_SCORE,
                Wire.encode(ScoreQuery.critic(++queryIds, shape, finals)), wire.from(), id);
        Future<Message<Buffer>> v = Requests.request(vertx, Addresses.VALUE_SCORE,
                Wire.encode(ScoreQuery.value(++queryIds, shape, states, steps)), wire.from(), id);
        return Future.all(f, v).map(done -> {
            ScoreReply fr = wire.decode(f.result(), ScoreReply.class), vr = wire.decode(v.result(), ScoreReply.class);
            if (fr == null || vr == null) throw new IllegalStateException("malformed score reply");
            List<float[]> fs = new ArrayList<>(), vs = new ArrayList<>();
            int pos = 0;
            for (PolicyLearner.Minibatch mb : mbs) {
                fs.add(java.util.Arrays.copyOfRange(fr.values(), pos, pos + mb.n()));
                vs.add(java.util.Arrays.copyOfRange(vr.values(), pos, pos + mb.n()));
                pos += mb.n();
            }
            last = policy.apply(mbs, fs, vs);
            vertx.eventBus().publish(Addresses.POLICY_ANNOUNCE, Wire.encode(weights()), wire.from());
            return null;
        });
    }

    @Override
    JsonObject metrics() {
        JsonObject workers = new JsonObject();
        batchesPerWorker.forEach((w, n) -> workers.put(w, new JsonObject().put("batches", n).put("lastSeenMillis", lastSeen.get(w))));
        JsonObject m = new JsonObject().put("policyVersion", policy.version()).put("criticBatches", criticBatches)
                .put("droppedForPolicyLag", dropped).put("bufferedTransitions", policy.bufferedTransitions())
                .put("queueDepth", queue.depth()).put("policyLr", policy.optimizer().learningRate()).put("workers", workers);
        JsonObject lags = new JsonObject();
        lagHistogram.forEach((lag, n) -> lags.put(Long.toString(lag), n));
        m.put("policyLagHistogram", lags);
        if (last != null)
            m.put("policyLoss", last.loss()).put("advantageMean", last.advantageMean()).put("advantageStd", last.advantageStd())
                    .put("gradNorm", last.gradNorm()).put("gradNormClipped", last.clippedNorm()).put("skippedUpdates", last.skipped());
        return m;
    }
}
