package dev.sftpg.verticles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.finetune.NetworkState;
import dev.sftpg.finetune.PolicyLearner;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.Credit;
import dev.sftpg.messages.LearnerState;
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
import io.vertx.core.Promise;
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
 *
 * <p>It also keeps the books of the rollout workers: credits in flight per worker, a worker silent for
 * {@code train.workerTimeout} is declared lost and its credits recovered, and while the coordinator holds it (for a
 * checkpoint or the end of the run) returned credits are withheld until nothing is in flight, so the checkpoint is
 * a consistent cut of the whole pipeline.
 */
public final class GeneratorVerticle extends LearnerVerticle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HOLD_TIMEOUT_MILLIS = 5_000;

    /** What the generator knows of one rollout worker. */
    private static final class Worker {
        long batches, nextSequence, lastSeen, inFlight, withheld;
        boolean lost, greeted; // greeted: said hello to this generator, so it holds credits
    }

    private final SftPgSetup setup;
    private final ConditionalMlp pretrained;
    private final LearnerState initial;
    private final SerialQueue queue = new SerialQueue();
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    private final Map<Long, Long> lagHistogram = new java.util.TreeMap<>();
    private final List<Message<Buffer>> heldHellos = new ArrayList<>();
    private PolicyLearner policy;
    private int maxLag, credits;
    private long criticBatches, dropped, lostBatches, workersLost, queryIds, startMillis;
    private boolean hold, saidNoWorkers;
    private String runId; // from the coordinator's heartbeat, to name the cluster in messages
    private Promise<Boolean> quiescent;
    private PolicyLearner.Update last;

    /** @param initial the state to start from (a resumed run), or null to start from the pretrained weights */
    public GeneratorVerticle(SftPgSetup setup, ConditionalMlp pretrained, LearnerState initial) {
        super("generator", "generator");
        this.setup = setup;
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
        maxLag = setup.config().get(ConfigSchema.FINETUNE_MAX_POLICY_LAG);
        credits = setup.config().get(ConfigSchema.TRAIN_CREDITS);
        startMillis = System.currentTimeMillis();
        if (initial != null) resumeFrom(initial);
        faultThreshold(setup.config().get(ConfigSchema.TRAIN_NAN_ROLLBACK_AFTER));
        vertx.eventBus().<Buffer>consumer(Addresses.POLICY_WEIGHTS, m -> m.reply(Wire.encode(weights())));
        vertx.eventBus().<Buffer>consumer(Addresses.WORKER_HELLO, this::onHello);
        vertx.eventBus().<Buffer>consumer(Addresses.GENERATOR_BATCH, m -> queue.submit(() -> onBatch(m)));
        vertx.eventBus().<Buffer>consumer(Addresses.BATCH_LOST, this::onLostBatch);
        vertx.eventBus().<Buffer>consumer(Addresses.GENERATOR_HOLD, this::onHold);
        vertx.eventBus().<Buffer>consumer(Addresses.METRICS, this::onWorkerMetrics);
        vertx.eventBus().<Buffer>consumer(Addresses.HEARTBEAT, m -> runId = m.headers().get("runId"));
        serveState(queue, this::capture, this::rollBackTo);
        vertx.setPeriodic(1000, t -> checkWorkers());
        startMetrics();
        // a resumed policy tells the coordinator (and any re-attaching worker) which version it continues from
        if (initial != null) vertx.eventBus().publish(Addresses.POLICY_ANNOUNCE, Wire.encode(weights()), wire.from());
        return Future.succeededFuture();
    }

    private PolicyWeights weights() {
        return PolicyWeights.of(policy.version(), policy.weights());
    }

    // ------------------------------------------------------------------ state: checkpoints, resume, rollback

    private LearnerState capture() {
        ObjectNode c = JSON.createObjectNode().put("version", policy.version()).put("criticBatches", criticBatches)
                .put("dropped", dropped).put("lrScale", policy.lrScale());
        ObjectNode ws = c.putObject("workers");
        workers.forEach((id, w) -> ws.putObject(id).put("batches", w.batches).put("nextSequence", w.nextSequence));
        var batches = c.putArray("bufferBatches");
        for (int b : policy.bufferedBatches()) batches.add(b);
        Map<String, float[]> extra = policy.bufferedTransitions() > 0 ? Map.of("buffer", policy.bufferedStates()) : Map.of();
        return NetworkState.capture(role, policy.network(), policy.optimizer(), c, extra);
    }

    /** Continues exactly where a checkpoint stopped: version, buffer, counters and each worker's next sequence. */
    private void resumeFrom(LearnerState s) {
        NetworkState.restore(s, policy.network(), policy.optimizer());
        ObjectNode c = s.counters();
        int[] sizes = new int[c.path("bufferBatches").size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = c.path("bufferBatches").get(i).asInt();
        policy.restore(c.path("version").asLong(), sizes.length == 0 ? new float[0] : s.tensor("buffer"), sizes);
        criticBatches = c.path("criticBatches").asLong();
        dropped = c.path("dropped").asLong();
        policy.lrScale(c.path("lrScale").asDouble(1.0));
        c.path("workers").fields().forEachRemaining(e -> {
            Worker w = new Worker();
            w.batches = e.getValue().path("batches").asLong();
            w.nextSequence = e.getValue().path("nextSequence").asLong();
            w.lost = true; // until it says hello again
            workers.put(e.getKey(), w);
        });
    }

    /**
     * Rollback after numerical faults: the checkpoint's weights and moments (and the lowered learning rate in its
     * counters), an empty buffer, and a new version number, so versions only ever grow and every worker switches.
     */
    private void rollBackTo(LearnerState s) {
        NetworkState.restore(s, policy.network(), policy.optimizer());
        policy.lrScale(s.counters().path("lrScale").asDouble(1.0)); // the schedule goes on, lowered
        policy.restore(policy.version() + 1, new float[0], new int[0]);
        vertx.eventBus().publish(Addresses.POLICY_ANNOUNCE, Wire.encode(weights()), wire.from());
    }

    // ------------------------------------------------------------------ workers and credits

    private Worker worker(String id) {
        return workers.computeIfAbsent(id, k -> new Worker());
    }

    private void onHello(Message<Buffer> m) {
        Credit hello = wire.decode(m, Credit.class);
        if (hello == null) return;
        if (hold) {
            heldHellos.add(m); // answered on release: a worker joining now must not start producing mid-checkpoint
            return;
        }
        Worker w = worker(hello.workerId());
        boolean rejoin = w.lost;
        w.lost = false;
        w.greeted = true;
        w.lastSeen = System.currentTimeMillis();
        w.inFlight = credits; // whatever it held before a coordinator restart is void now
        w.withheld = 0;
        Log.info(role, "rollout worker " + hello.workerId() + (rejoin ? " re-attached" : " joined") + "; granting " + credits
                + " credit(s), next batch #" + w.nextSequence + (saidNoWorkers ? "; training continues" : ""));
        saidNoWorkers = false;
        m.reply(Wire.encode(new Credit(hello.workerId(), credits)),
                new DeliveryOptions().addHeader("nextSequence", Long.toString(w.nextSequence)));
    }

    private void onWorkerMetrics(Message<Buffer> m) {
        String sender = m.headers().get(Addresses.SENDER);
        Worker w = sender == null ? null : workers.get(sender); // only known workers' heartbeats matter: no decoding
        if (w != null) w.lastSeen = System.currentTimeMillis();
    }

    /** Declares silent workers lost (recovering their credits) and says once when none is left. */
    private void checkWorkers() {
        long now = System.currentTimeMillis();
        long timeout = (long) (setup.config().get(ConfigSchema.TRAIN_WORKER_TIMEOUT) * 1000);
        workers.forEach((id, w) -> {
            if (w.lost || !w.greeted || now - w.lastSeen < timeout) return;
            w.lost = true;
            workersLost++;
            Log.warn(role, "rollout worker " + id + " lost (silent for " + (now - w.lastSeen) / 1000 + " s): "
                    + (w.inFlight + w.withheld) + " credit(s) recovered; " + liveWorkers() + " worker(s) left");
            w.inFlight = 0;
            w.withheld = 0;
        });
        if (liveWorkers() == 0 && !saidNoWorkers && now - startMillis > timeout) {
            saidNoWorkers = true;
            Log.warn(role, "no rollout worker alive: waiting for one to join (sftpg worker --role rollout --cluster-name "
                    + (runId == null ? "<this run's cluster>" : RunSpec.clusterName(setup.config(), runId)) + ")");
        }
        checkQuiescent();
    }

    private long liveWorkers() {
        return workers.values().stream().filter(w -> w.greeted && !w.lost).count();
    }

    private long inFlight() {
        return workers.values().stream().filter(w -> w.greeted && !w.lost).mapToLong(w -> w.inFlight).sum();
    }

    /** A batch (or news of its loss) came back from {@code workerId}: its credit returns, or is withheld while held. */
    private void creditReturned(String workerId) {
        Worker w = workers.get(workerId);
        if (w == null) return; // a stray sender that never said hello holds no credits
        w.lastSeen = System.currentTimeMillis();
        w.inFlight = Math.max(0, w.inFlight - 1);
        // a worker declared lost, or one known only from its batches, gets no credits until it says hello
        if (w.lost || !w.greeted) return;
        if (hold) {
            w.withheld++;
            checkQuiescent();
            return;
        }
        w.inFlight++;
        sendCredit(workerId, 1);
    }

    private void sendCredit(String workerId, int n) {
        DeliveryOptions o = wire.from().addHeader("policyVersion", Long.toString(policy.version()));
        vertx.eventBus().send(Addresses.credit(workerId), Wire.encode(new Credit(workerId, n)), o);
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
        else release(m);
    }

    /** Sends every withheld credit and answers the hellos that waited. */
    private void release(Message<Buffer> m) {
        hold = false;
        int released = 0;
        for (Map.Entry<String, Worker> e : workers.entrySet()) {
            Worker w = e.getValue();
            if (w.withheld > 0 && !w.lost) {
                w.inFlight += w.withheld;
                sendCredit(e.getKey(), (int) w.withheld);
                released += (int) w.withheld;
            }
            w.withheld = 0;
        }
        List<Message<Buffer>> hellos = new ArrayList<>(heldHellos);
        heldHellos.clear();
        hellos.forEach(this::onHello);
        m.reply(new JsonObject().put("released", released).toBuffer());
    }

    private void holdUntilQuiet(Message<Buffer> m) {
        hold = true;
        // queued work first: a batch already in this verticle's queue is part of the cut
        queue.submit(() -> {
            if (quiescent == null) {
                quiescent = Promise.promise();
                long timer = vertx.setTimer(HOLD_TIMEOUT_MILLIS, t -> {
                    if (quiescent != null) {
                        Log.warn(role, inFlight() + " batch(es) still in flight after " + HOLD_TIMEOUT_MILLIS / 1000
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
        if (hold && quiescent != null && inFlight() == 0) {
            quiescent.tryComplete(true);
            quiescent = null;
        }
    }

    // ------------------------------------------------------------------ batches and policy updates

    private Future<?> onBatch(Message<Buffer> m) {
        TrajectoryBatch batch = wire.decode(m, TrajectoryBatch.class);
        if (batch == null) return Future.succeededFuture();
        Worker w = worker(batch.workerId());
        w.batches++;
        w.nextSequence = Math.max(w.nextSequence, batch.sequence() + 1);
        long lag = policy.version() - batch.policyVersion();
        lagHistogram.merge(lag, 1L, Long::sum);
        // a negative lag is a batch from before a rollback or a resume: its policy no longer exists
        if (lag >= 0 && lag <= maxLag) policy.add(batch.states(), batch.batch());
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
        List<PolicyLearner.Minibatch> mbs = policy.drawMinibatches();
        int total = mbs.stream().mapToInt(PolicyLearner.Minibatch::n).sum();
        int dim = setup.dim();
        // one critic query scores the finals, then the tail rows' continuations (the tail's baseline)
        List<float[]> continuations = new ArrayList<>();
        for (PolicyLearner.Minibatch mb : mbs) continuations.add(policy.tailContinuations(mb));
        int tailPoints = continuations.stream().mapToInt(c -> c.length / dim).sum();
        float[] criticPoints = new float[(total + tailPoints) * dim], states = new float[total * dim];
        int[] steps = new int[total];
        int at = 0, tailAt = total;
        for (int m = 0; m < mbs.size(); m++) {
            PolicyLearner.Minibatch mb = mbs.get(m);
            System.arraycopy(mb.finals(), 0, criticPoints, at * dim, mb.n() * dim);
            System.arraycopy(mb.x(), 0, states, at * dim, mb.n() * dim);
            System.arraycopy(mb.steps(), 0, steps, at, mb.n());
            at += mb.n();
            float[] c = continuations.get(m);
            System.arraycopy(c, 0, criticPoints, tailAt * dim, c.length);
            tailAt += c.length / dim;
        }
        int[] shape = {dim};
        Future<Message<Buffer>> f = Requests.request(vertx, Addresses.CRITIC_SCORE,
                Wire.encode(ScoreQuery.critic(++queryIds, shape, criticPoints)), wire.from(), id);
        Future<Message<Buffer>> v = Requests.request(vertx, Addresses.VALUE_SCORE,
                Wire.encode(ScoreQuery.value(++queryIds, shape, states, steps)), wire.from(), id);
        return Future.all(f, v).map(done -> {
            ScoreReply fr = wire.decode(f.result(), ScoreReply.class), vr = wire.decode(v.result(), ScoreReply.class);
            if (fr == null || vr == null) throw new IllegalStateException("malformed score reply");
            List<float[]> fs = new ArrayList<>(), vs = new ArrayList<>(), tails = new ArrayList<>();
            int pos = 0, tailPos = total;
            for (int m = 0; m < mbs.size(); m++) {
                int n = mbs.get(m).n(), tailRows = continuations.get(m).length / dim;
                fs.add(java.util.Arrays.copyOfRange(fr.values(), pos, pos + n));
                vs.add(java.util.Arrays.copyOfRange(vr.values(), pos, pos + n));
                tails.add(java.util.Arrays.copyOfRange(fr.values(), tailPos, tailPos + tailRows));
                pos += n;
                tailPos += tailRows;
            }
            last = policy.apply(mbs, fs, vs, tails);
            for (int i = 0; i < last.skipped(); i++) noteUpdate(false, "policy");
            if (last.skipped() < mbs.size()) noteUpdate(true, "policy");
            vertx.eventBus().publish(Addresses.POLICY_ANNOUNCE, Wire.encode(weights()), wire.from());
            return null;
        });
    }

    @Override
    JsonObject metrics() {
        JsonObject ws = new JsonObject();
        workers.forEach((id, w) -> ws.put(id, new JsonObject().put("batches", w.batches).put("lastSeenMillis", w.lastSeen)
                .put("inFlight", w.inFlight).put("lost", w.lost)));
        JsonObject m = new JsonObject().put("policyVersion", policy.version()).put("criticBatches", criticBatches)
                .put("droppedForPolicyLag", dropped).put("bufferedTransitions", policy.bufferedTransitions())
                .put("queueDepth", queue.depth()).put("policyLr", policy.optimizer().learningRate()).put("workers", ws)
                .put("liveWorkers", liveWorkers()).put("workersLost", workersLost).put("creditsInFlight", inFlight())
                .put("lostBatches", lostBatches).put("held", hold);
        JsonObject lags = new JsonObject();
        lagHistogram.forEach((lag, n) -> lags.put(Long.toString(lag), n));
        m.put("policyLagHistogram", lags);
        if (last != null)
            m.put("policyLoss", last.loss()).put("advantageMean", last.advantageMean()).put("advantageStd", last.advantageStd())
                    .put("gradNorm", last.gradNorm()).put("gradNormClipped", last.clippedNorm());
        return m;
    }
}
