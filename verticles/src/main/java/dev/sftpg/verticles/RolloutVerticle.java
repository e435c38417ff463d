package dev.sftpg.verticles;

import dev.sftpg.finetune.Rollout;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.messages.Credit;
import dev.sftpg.messages.PolicyWeights;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.nn.Network;
import dev.sftpg.verticles.bus.Addresses;
import dev.sftpg.verticles.bus.IncarnationConsumers;
import dev.sftpg.verticles.bus.Log;
import dev.sftpg.verticles.bus.Requests;
import dev.sftpg.verticles.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;


/**
 * A rollout worker: holds a copy of the policy at some version, and for every credit it holds produces one batch
 * of whole trajectories with the preset's sampler record. Switches weights when a newer version is announced;
 * before its first batch (and whenever a credit names a version it has not seen) it fetches the current weights.
 */
public final class RolloutVerticle extends LearnerVerticle {
    /** A hello is answered when the generator is not held: a pause may last long. */
    private static final long HELLO_WAIT_MILLIS = java.util.concurrent.TimeUnit.DAYS.toMillis(1);
    /**
     * The generator answers a weights request at once; a reply lost on a connection that dies after a long network
     * cut (its queued writes are dropped when its socket finally closes) is asked for again at the next heartbeat.
     */
    private static final long WEIGHTS_WAIT_MILLIS = 20_000;
    private final SftPgSetup setup;
    private final Network architecture;
    private final int index;
    private final long lostAfterMillis;
    private final boolean follows;
    private IncarnationConsumers consumers;
    private Network policy;
    private long version = -1, sequence, produced;
    /** Counts the moves to a newer incarnation: replies to requests of an earlier one are void. */
    private int moves;
    private int credits;
    private boolean stopped, fetching, producing, attaching, attachFailed;
    private long startMillis, lastBeat;

    /**
     * A worker in the run's own process: it serves that process's coordinator only (one JVM, nothing between them to
     * cut, so it never re-attaches), and stops when a newer incarnation of the run takes over, which brings its own.
     *
     * @param architecture a network of the policy's architecture (its weights are replaced by the fetched ones)
     * @param index        worker number, part of every batch's noise seed (worker 0's are the single-thread loop's)
     * @param bus          the incarnation of the run it serves
     */
    public RolloutVerticle(String workerId, int index, SftPgSetup setup, Network architecture, Addresses bus) {
        this(workerId, index, setup, architecture, bus, Long.MAX_VALUE, false);
    }

    /**
     * A worker in a {@code worker} process, which outlives coordinators: it follows the run to every newer
     * incarnation (a resume), moving its consumers to the new addresses before it says hello there.
     *
     * @param lostAfterMillis {@code train.workerTimeout}: run heartbeats silent this long (a network cut) mean the
     *                        generator has declared this worker lost and waits for a new hello
     */
    public RolloutVerticle(String workerId, int index, SftPgSetup setup, Network architecture, Addresses bus, long lostAfterMillis) {
        this(workerId, index, setup, architecture, bus, lostAfterMillis, true);
    }

    private RolloutVerticle(String workerId, int index, SftPgSetup setup, Network architecture, Addresses bus, long lostAfterMillis,
                            boolean follows) {
        super("rollout", workerId, bus);
        this.lostAfterMillis = lostAfterMillis;
        this.follows = follows;
        this.setup = setup;
        this.architecture = architecture;
        this.index = index;
    }

    @Override
    public Future<?> start() {
        policy = setup.policyReplica(architecture);
        startMillis = System.currentTimeMillis();
        consumers = new IncarnationConsumers(vertx.eventBus(), bus);
        consumers.<Buffer>consumer(Addresses::policyAnnounce, m -> {
            PolicyWeights w = wire.decode(m, PolicyWeights.class);
            if (w != null && w.version() > version) setWeights(w);
        });
        consumers.<Buffer>consumer(a -> a.credit(id), this::onCredit);
        consumers.<Buffer>consumer(Addresses::control, m -> {
            String command = m.headers().get("command");
            if ("stop".equals(command)) stopped = true;
            else if ("suspend".equals(command)) credits = 0; // a learner was lost: wait for a resumed coordinator
        });
        vertx.eventBus().<Buffer>consumer(Addresses.HEARTBEAT, this::onHeartbeat);
        startMetrics();
        // not awaited: a paused or checkpointing run answers the hello only when it releases its credits
        attach().onFailure(e -> Log.warn(role, id + " could not attach to the run: " + e.getMessage()));
        return Future.succeededFuture();
    }

    /** Fetches the current weights, then says hello to the generator for credits and the batch number to go on from. */
    private Future<Void> attach() {
        int move = moves;
        attaching = true;
        attachFailed = false;
        return fetchWeights()
                .compose(v -> Requests.request(vertx, bus.workerHello(), Wire.encode(new Credit(id, 1)),
                        wire.from().setSendTimeout(HELLO_WAIT_MILLIS), id, Long.MAX_VALUE, () -> move != moves))
                .<Void>map(reply -> {
                    if (move != moves) return null; // credits of an incarnation this worker has left
                    Credit c = wire.decode(reply, Credit.class);
                    if (c != null) credits = c.credits();
                    String next = reply.headers().get("nextSequence");
                    if (next != null) sequence = Long.parseLong(next);
                    attaching = false;
                    // the generator's reply is word from the run: a worker whose run dies before its first heartbeat
                    // reaches it still measures the silence from here, and re-attaches to the resumed run
                    lastBeat = System.currentTimeMillis();
                    Log.info(role, id + " ready at policy version " + version + " with " + credits + " credit(s)");
                    vertx.runOnContext(x -> produce());
                    return null;
                })
                .onFailure(e -> {
                    if (move != moves) return;
                    // e.g. the run's process died mid-attach: the next heartbeat of a run tries again
                    attaching = false;
                    attachFailed = true;
                });
    }

    /**
     * The run's heartbeat. From a newer incarnation (the run was resumed, maybe while its old coordinator still
     * lives): the old credits and weights are void, so a worker process moves to the new addresses and attaches
     * afresh, and a worker of the old coordinator's own process stops. From this one after a long silence (a
     * network cut): the generator has declared this worker lost, so it says hello again.
     */
    private void onHeartbeat(Message<Buffer> m) {
        Addresses beat = Addresses.ofHeartbeat(m);
        // an older coordinator still beating is no news of the run this worker serves
        if (beat == null || !beat.runId().equals(bus.runId()) || beat.incarnation() < bus.incarnation()) return;
        long now = System.currentTimeMillis(), gap = lastBeat == 0 ? 0 : now - lastBeat;
        lastBeat = now;
        if (stopped) return;
        if (bus.supersededBy(beat)) {
            if (follows) {
                Log.info(role, id + ": the run was resumed; re-attaching");
                moveTo(beat);
            } else {
                Log.info(role, id + ": a newer coordinator of the run took over; this one's rollout worker stops");
                stopped = true;
                credits = 0;
            }
            return;
        }
        if (attaching) return;
        if (attachFailed) {
            Log.info(role, id + ": attaching again");
            attach().onFailure(e -> Log.warn(role, id + " could not re-attach: " + e.getMessage()));
        } else if (gap >= lostAfterMillis) {
            Log.info(role, id + ": the run was out of reach for " + gap / 1000 + " s, so its generator has declared this worker"
                    + " lost; re-attaching");
            credits = 0;
            attach().onFailure(e -> Log.warn(role, id + " could not re-attach: " + e.getMessage()));
        }
    }

    /**
     * Leaves the old incarnation's addresses for {@code next}'s, and attaches there once the cluster knows where
     * this worker listens. Whatever was in flight to the old one stays with it.
     */
    private void moveTo(Addresses next) {
        int move = ++moves;
        bus = next;
        credits = 0;
        version = -1; // a resumed policy's versions may be lower than the ones this worker saw
        fetching = false;
        attaching = true;
        attachFailed = false;
        consumers.moveTo(next).onComplete(ar -> {
            if (move != moves) return;
            if (ar.failed()) {
                attaching = false;
                attachFailed = true;
                Log.warn(role, id + " could not listen on the resumed run's addresses: " + ar.cause().getMessage());
                return;
            }
            attach().onFailure(e -> Log.warn(role, id + " could not re-attach: " + e.getMessage()));
        });
    }

    private void setWeights(PolicyWeights w) {
        policy.parameters().setFloats(w.params());
        version = w.version();
    }

    private Future<Void> fetchWeights() {
        int move = moves;
        fetching = true;
        return Requests.request(vertx, bus.policyWeights(), Buffer.buffer(), wire.from().setSendTimeout(WEIGHTS_WAIT_MILLIS), id,
                        Long.MAX_VALUE, () -> move != moves)
                .<Void>map(reply -> {
                    if (move != moves) return null; // the weights of an incarnation this worker has left
                    PolicyWeights w = wire.decode(reply, PolicyWeights.class);
                    if (w == null) throw new IllegalStateException("malformed policy weights");
                    if (w.version() > version) setWeights(w);
                    fetching = false;
                    return null;
                }).onFailure(e -> {
                    if (move == moves) fetching = false;
                });
    }

    private void onCredit(Message<Buffer> m) {
        Credit c = wire.decode(m, Credit.class);
        if (c == null) return;
        credits += c.credits();
        String v = m.headers().get("policyVersion");
        long required = v == null ? -1 : Long.parseLong(v);
        if (required > version && !fetching) fetchWeights().onComplete(ar -> produce());
        else produce();
    }

    /** One batch per turn of the context, so announcements and credits are handled between batches. */
    private void produce() {
        if (stopped || fetching || producing || attaching || credits <= 0 || version < 0) return;
        producing = true;
        credits--;
        int b = setup.batch();
        float[] states = Rollout.generate(policy, setup.sampler(), b, Rollout.seedFor(setup.seed(), index, sequence));
        TrajectoryBatch batch = new TrajectoryBatch(version, id, sequence++, setup.sampler().steps(), b, setup.shape().dims(), states);
        vertx.eventBus().send(bus.batch(), Wire.encode(batch), stamped());
        produced++;
        producing = false;
        if (credits > 0) vertx.runOnContext(x -> produce());
    }

    @Override
    JsonObject metrics() {
        double secs = Math.max(1e-3, (System.currentTimeMillis() - startMillis) / 1000.0);
        return new JsonObject().put("policyVersion", version).put("batches", produced).put("batchesPerSecond", produced / secs)
                .put("credits", credits).put("worker", index);
    }
}
