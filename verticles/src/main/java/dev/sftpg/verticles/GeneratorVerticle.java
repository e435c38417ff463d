package dev.sftpg.verticles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.finetune.NetworkState;
import dev.sftpg.finetune.PolicyLearner;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.Credit;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.messages.ScoreQuery;
import dev.sftpg.messages.ScoreReply;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.nn.Network;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.Requests;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * The policy. Buffers the transitions of batches whose critic and value steps are done (if their policy version
 * is within maxPolicyLag); every nCritic batches it scores minibatches with the current critic and value, takes
 * the policy-gradient steps, publishes the new version with its weights, and only then returns the batch's
 * credit, so a worker's next batch comes from the new policy. The workers' credits are kept by a {@link CreditLedger}.
 */
public final class GeneratorVerticle extends LearnerVerticle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HOLD_TIMEOUT_MILLIS = 5_000;
    /** Checkpoint tensor of a kept older policy's weights: this prefix and its version. */
    private static final String BEHAVIOUR_TENSOR = "behaviour-v";

    private final SftPgSetup setup;
    private final GeneratorSettings settings;
    private final Network pretrained;
    private final LearnerState initial;
    private final SerialQueue queue = new SerialQueue();
    private final Map<Long, Long> lagHistogram = new TreeMap<>();
    private CreditLedger ledger;
    private PolicyLearner policy;
    private long criticBatches, dropped, lostBatches, queryIds;
    private Promise<Boolean> quiescent;
    private PolicyLearner.Update last;

    /** @param initial the state to start from (a resumed run), or null to start from the pretrained weights */
    public GeneratorVerticle(SftPgSetup setup, Addresses bus, Network pretrained, LearnerState initial) {
        this(setup, GeneratorSettings.from(setup.config(), null), bus, pretrained, initial);
    }

    public GeneratorVerticle(SftPgSetup setup, GeneratorSettings settings, Addresses bus, Network pretrained, LearnerState initial) {
        super("generator", "generator", bus);
        this.setup = setup;
        this.settings = settings;
        this.pretrained = pretrained;
        this.initial = initial;
    }

    @Override
    public Future<?> start() {
        policy = setup.policy(pretrained);
        int steps = setup.sampler().steps();
        if (policy.tailFrom() < steps)
            Log.info(role, "policy-gradient baseline: V(x_i, i) for steps 0.." + (policy.tailFrom() - 1)
                    + ", f of the noise-free continuation for steps " + policy.tailFrom() + ".." + (steps - 1));
        ledger = new CreditLedger(role, settings, this::sendCredit, System.currentTimeMillis());
        if (initial != null) resumeFrom(initial);
        faultThreshold(settings.nanRollbackAfter());
        vertx.eventBus().<Buffer>consumer(bus.policyWeights(), m -> m.reply(Wire.encode(weights())));
        vertx.eventBus().<Buffer>consumer(bus.workerHello(), this::onHello);
        vertx.eventBus().<Buffer>consumer(bus.generatorBatch(), m -> queue.submit(() -> onBatch(m)));
        vertx.eventBus().<Buffer>consumer(bus.batchLost(), this::onLostBatch);
        vertx.eventBus().<Buffer>consumer(bus.generatorHold(), this::onHold);
        // only known workers' metrics matter, as heartbeats: no decoding
        vertx.eventBus().<Buffer>consumer(bus.metrics(), m -> ledger.heardFrom(m.headers().get(Addresses.SENDER)));
        serveState(queue, this::capture, this::rollBackTo);
        vertx.setPeriodic(1000, t -> {
            ledger.checkWorkers();
            checkQuiescent();
        });
        startMetrics();
        // a resumed policy tells the coordinator (and any re-attaching worker) which version it continues from
        if (initial != null) vertx.eventBus().publish(bus.policyAnnounce(), Wire.encode(weights()), wire.from());
        return Future.succeededFuture();
    }

    private PolicyWeights weights() {
        return PolicyWeights.of(policy.version(), policy.weights());
    }

    // ------------------------------------------------------------------ state: checkpoints, resume, rollback

    private LearnerState capture() {
        ObjectNode c = JSON.createObjectNode().put("version", policy.version()).put("criticBatches", criticBatches)
                .put("dropped", dropped).put("lrScale", policy.lrScale());
        ledger.capture(c.putObject("workers"));
        var batches = c.putArray("bufferBatches");
        for (int b : policy.bufferedBatches()) batches.add(b);
        var madeBy = c.putArray("bufferMadeBy");
        for (long v : policy.bufferedMadeBy()) madeBy.add(v);
        Map<String, float[]> extra = new java.util.LinkedHashMap<>();
        if (policy.bufferedTransitions() > 0) extra.put("buffer", policy.bufferedStates());
        // the older policies that lagged batches (buffered or still on their way) came from, for the off-policy correction
        var behaviour = c.putArray("behaviourVersions");
        policy.behaviourWeights().forEach((v, w) -> {
            behaviour.add(v);
            extra.put(BEHAVIOUR_TENSOR + v, w);
        });
        return NetworkState.capture(role, policy.network(), policy.optimizer(), c, extra);
    }

    /** Continues exactly where a checkpoint stopped: version, buffer, counters and each worker's next sequence. */
    private void resumeFrom(LearnerState s) {
        NetworkState.restore(s, policy.network(), policy.optimizer());
        ObjectNode c = s.counters();
        int[] sizes = new int[c.path("bufferBatches").size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = c.path("bufferBatches").get(i).asInt();
        long version = c.path("version").asLong();
        long[] madeBy = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) madeBy[i] = c.path("bufferMadeBy").path(i).asLong(version);
        Map<Long, float[]> behaviour = new java.util.TreeMap<>();
        for (var v : c.path("behaviourVersions")) behaviour.put(v.asLong(), s.tensor(BEHAVIOUR_TENSOR + v.asLong()));
        policy.restoreBehaviour(behaviour);
        policy.restore(version, sizes.length == 0 ? new float[0] : s.tensor("buffer"), sizes, madeBy);
        criticBatches = c.path("criticBatches").asLong();
        dropped = c.path("dropped").asLong();
        policy.lrScale(c.path("lrScale").asDouble(1.0));
        ledger.restore(c.path("workers"));
    }

    /**
     * Rollback (after numerical faults or a quality collapse): the checkpoint's weights and moments (and the lowered learning rate in its
     * counters), an empty buffer, and a new version number, so versions only ever grow and every worker switches.
     */
    private void rollBackTo(LearnerState s) {
        NetworkState.restore(s, policy.network(), policy.optimizer());
        policy.lrScale(s.counters().path("lrScale").asDouble(1.0)); // the schedule goes on, lowered
        policy.restore(policy.version() + 1, new float[0], new int[0]);
        vertx.eventBus().publish(bus.policyAnnounce(), Wire.encode(weights()), wire.from());
    }

    // ------------------------------------------------------------------ the bus side of the credit ledger

    private void onHello(Message<Buffer> m) {
        Credit hello = wire.decode(m, Credit.class);
        if (hello == null) return;
        CreditLedger.Grant g = ledger.hello(hello.workerId(), () -> onHello(m));
        if (g != null)
            m.reply(Wire.encode(new Credit(hello.workerId(), g.credits())),
                    new DeliveryOptions().addHeader("nextSequence", Long.toString(g.nextSequence())));
    }

    private void sendCredit(String workerId, int n) {
        DeliveryOptions o = wire.from().addHeader("policyVersion", Long.toString(policy.version()));
        vertx.eventBus().send(bus.credit(workerId), Wire.encode(new Credit(workerId, n)), o);
    }

    private void creditReturned(String workerId) {
        ledger.creditReturned(workerId);
        checkQuiescent();
    }

    private void onLostBatch(Message<Buffer> m) {
        Credit c = wire.decode(m, Credit.class);
        if (c == null) return;
        lostBatches++;
        queue.submit(() -> {
            creditReturned(c.workerId());
            return Future.succeededFuture();
        });
    }

    /** {"hold": true}: withhold credits and reply {"quiescent": ...} once nothing is in flight (or after 5 s); false: release. */
    private void onHold(Message<Buffer> m) {
        boolean on;
        try {
            on = new JsonObject(m.body()).getBoolean("hold", false);
        } catch (RuntimeException e) {
            wire.reject(m, "hold request is not JSON {\"hold\": true|false}");
            return;
        }
        if (on) holdUntilQuiet(m);
        else m.reply(new JsonObject().put("released", ledger.release()).toBuffer());
    }

    private void holdUntilQuiet(Message<Buffer> m) {
        ledger.hold();
        // queued work first: a batch already in this verticle's queue is part of the cut
        queue.submit(() -> {
            if (quiescent == null) {
                quiescent = Promise.promise();
                long timer = vertx.setTimer(HOLD_TIMEOUT_MILLIS, t -> {
                    if (quiescent != null) {
                        Log.warn(role, ledger.inFlight() + " batch(es) still in flight after " + HOLD_TIMEOUT_MILLIS / 1000
                                + " s of hold: checkpointing without them");
                        quiescent.tryComplete(false);
                        quiescent = null;
                    }
                });
                quiescent.future().onComplete(ar -> vertx.cancelTimer(timer));
            }
            Future<Boolean> done = quiescent.future();
            checkQuiescent();
            done.onSuccess(q -> m.reply(new JsonObject().put("quiescent", q).put("policyVersion", policy.version()).toBuffer()));
            return Future.succeededFuture();
        });
    }

    private void checkQuiescent() {
        if (quiescent != null && ledger.quiescent()) {
            quiescent.tryComplete(true);
            quiescent = null;
        }
    }

    // ------------------------------------------------------------------ batches and policy updates

    private Future<?> onBatch(Message<Buffer> m) {
        if (!ownBatch(m)) return Future.succeededFuture();
        TrajectoryBatch batch = wire.decode(m, TrajectoryBatch.class);
        if (batch == null) return Future.succeededFuture();
        ledger.batchArrived(batch.workerId(), batch.sequence());
        long lag = policy.version() - batch.policyVersion();
        lagHistogram.merge(lag, 1L, Long::sum);
        // a negative lag is a batch from before a rollback or a resume: its policy no longer exists
        if (lag >= 0 && lag <= settings.maxLag()) policy.add(batch.states(), batch.batch(), batch.policyVersion());
        else dropped++;
        criticBatches++;
        Future<?> update = criticBatches % setup.nCritic() == 0 && policy.bufferedTransitions() > 0
                ? update() : Future.succeededFuture();
        return update.onComplete(ar -> {
            if (ar.failed()) Log.warn(role, "policy update failed: " + ar.cause().getMessage());
            creditReturned(batch.workerId());
        });
    }

    private Future<?> update() {
        PolicyLearner.ScoreRequest request = policy.scoreRequest();
        int[] shape = setup.shape().dims();
        Future<Message<Buffer>> f = Requests.request(vertx, bus.criticScore(),
                Wire.encode(ScoreQuery.critic(++queryIds, shape, request.criticPoints())), wire.from(), id);
        Future<Message<Buffer>> v = Requests.request(vertx, bus.valueScore(),
                Wire.encode(ScoreQuery.value(++queryIds, shape, request.valueStates(), request.valueSteps())), wire.from(), id);
        return Future.all(f, v).map(done -> {
            ScoreReply fr = wire.decode(f.result(), ScoreReply.class), vr = wire.decode(v.result(), ScoreReply.class);
            if (fr == null || vr == null) throw new IllegalStateException("malformed score reply");
            last = policy.apply(request, fr.values(), vr.values());
            for (int i = 0; i < last.skipped(); i++) noteUpdate(false, "policy");
            if (last.skipped() < request.minibatches().size()) noteUpdate(true, "policy");
            vertx.eventBus().publish(bus.policyAnnounce(), Wire.encode(weights()), wire.from());
            return null;
        });
    }

    @Override
    JsonObject metrics() {
        JsonObject m = new JsonObject().put("policyVersion", policy.version()).put("criticBatches", criticBatches)
                .put("droppedForPolicyLag", dropped).put("bufferedTransitions", policy.bufferedTransitions())
                .put("queueDepth", queue.depth()).put("policyLr", policy.optimizer().learningRate())
                .put("workers", ledger.workersJson())
                .put("liveWorkers", ledger.liveWorkers()).put("workersLost", ledger.workersLost())
                .put("creditsInFlight", ledger.inFlight()).put("lostBatches", lostBatches).put("held", ledger.held());
        JsonObject lags = new JsonObject();
        lagHistogram.forEach((lag, n) -> lags.put(Long.toString(lag), n));
        m.put("policyLagHistogram", lags);
        if (last != null)
            m.put("policyLoss", last.loss()).put("advantageMean", last.advantageMean()).put("advantageStd", last.advantageStd())
                    .put("gradNorm", last.gradNorm()).put("gradNormClipped", last.clippedNorm());
        if (last != null && last.importance().lagged() > 0)
            m.put("importance", new JsonObject().put("lagged", last.importance().lagged()).put("meanWeight", last.importance().meanWeight())
                    .put("truncated", last.importance().truncated()).put("unknown", last.importance().unknown()));
        return m;
    }
}
