package dev.sftpg.verticles.bus;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * Event-bus addresses of one incarnation of a run: a coordinator's start time names its incarnation, and a resumed
 * run is a newer one. Runs never share a cluster (each has its own cluster name), so the addresses need no run id.
 * Two addresses are shared by every incarnation, for discovery: the run description a joining process asks for,
 * and the heartbeat, which tells every process which incarnation is current.
 */
public record Addresses(String runId, long incarnation) {

    /**
     * Coordinator -> everyone, every second: the run is alive. Headers {@link #RUN_ID} and {@link #INCARNATION} let
     * workers notice a lost coordinator and a resumed one.
     */
    public static final String HEARTBEAT = "sftpg.run.heartbeat";
    /**
     * Run description (config JSON, data dimension, incarnation): request-reply, served by every coordinator of the
     * run, so that a joining process can ask before it knows any incarnation. While two coexist either may answer.
     */
    public static final String RUN_INFO = "sftpg.run.info";
    /** Header naming the sending verticle, for per-sender reject accounting. */
    public static final String SENDER = "sender";
    /** Heartbeat header: the run's id. */
    public static final String RUN_ID = "runId";
    /** Header of heartbeats and trajectory batches: the incarnation they belong to. */
    public static final String INCARNATION = "incarnation";

    /**
     * Every address but the two for discovery names the incarnation: clustered point-to-point sends go round-robin over
     * every consumer of an address in the cluster, so while a resumed run and its old coordinator coexist (a split
     * brain healing) a shared address would hand one incarnation's batches, credits and requests to the other's
     * learners, where a check of a header could only drop them, not deliver them where they belong.
     */
    private String scoped(String name) {
        return "sftpg." + incarnation + "." + name;
    }

    /** Rollout worker -> discriminator: a trajectory batch (point-to-point). */
    public String batch() {
        return scoped("batch");
    }

    /** Discriminator -> value: fit one batch against f(x0), reply with the coupling gradient. */
    public String valueFit() {
        return scoped("value.fit");
    }

    /** Critic score queries: request-reply. */
    public String criticScore() {
        return scoped("critic.score");
    }

    /** Value score queries: request-reply. */
    public String valueScore() {
        return scoped("value.score");
    }

    /** Discriminator -> generator: a batch after its critic and value steps. */
    public String generatorBatch() {
        return scoped("generator.batch");
    }

    /** Generator -> everyone: a new policy version with its weights (publish). */
    public String policyAnnounce() {
        return scoped("policy.announce");
    }

    /** Current policy weights: request-reply, served by the generator (late joiners). */
    public String policyWeights() {
        return scoped("policy.weights");
    }

    /** Rollout worker -> generator: hello, reply with the first credits. */
    public String workerHello() {
        return scoped("worker.hello");
    }

    /** Generator -> one worker: more credits. */
    public String credit(String workerId) {
        return scoped("credit." + workerId);
    }

    /** Learners' weights and optimiser state for checkpoints: request-reply, one address per role. */
    public String snapshot(String role) {
        return scoped("snapshot." + role);
    }

    /**
     * The state a learner hosted by a {@code worker} process starts from: request-reply, served by the coordinator;
     * a {@code LearnerState} for a resumed run, an empty body for a fresh one.
     */
    public String startState(String role) {
        return scoped("run.state." + role);
    }

    /** Coordinator -> learners: a {@code LearnerState} to restore (rollback after numerical faults), request-reply. */
    public String restore(String role) {
        return scoped("restore." + role);
    }

    /** Coordinator -> generator: hold credits (JSON {"hold": true}) until released; replies once nothing is in flight. */
    public String generatorHold() {
        return scoped("generator.hold");
    }

    /** Discriminator -> generator: a batch it could not process (a {@code Credit} naming the worker), so its credit comes back. */
    public String batchLost() {
        return scoped("batch.lost");
    }

    /** Learner -> coordinator: repeated non-finite updates (JSON {"role", "reason"}), asks for a rollback. */
    public String fault() {
        return scoped("fault");
    }

    /** Every verticle publishes JSON metrics here. */
    public String metrics() {
        return scoped("metrics");
    }

    /** Coordinator -> observers: run events (evaluations with samples, checkpoints), JSON (publish). */
    public String events() {
        return scoped("events");
    }

    /** Dashboard -> coordinator: a control action ("stop", "checkpoint", "pause", "resume"), request-reply. */
    public String controlRequest() {
        return scoped("control.request");
    }

    /**
     * Coordinator -> everyone: "stop" (the run ended: leave) or "suspend" (a learner was lost: wait for a resumed
     * coordinator) in the "command" header (publish). Pausing holds the generator's credits instead.
     */
    public String control() {
        return scoped("control");
    }

    /** {@code options} with this incarnation's heartbeat headers. */
    public DeliveryOptions heartbeat(DeliveryOptions options) {
        return options.addHeader(RUN_ID, runId).addHeader(INCARNATION, Long.toString(incarnation));
    }

    /** The incarnation a heartbeat comes from, or null for a message without well-formed heartbeat headers. */
    public static Addresses ofHeartbeat(Message<?> m) {
        String run = m.headers().get(RUN_ID), inc = m.headers().get(INCARNATION);
        if (run == null || inc == null) return null;
        try {
            return new Addresses(run, Long.parseLong(inc));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether {@code other} is a newer incarnation of this run. */
    public boolean supersededBy(Addresses other) {
        return other != null && runId.equals(other.runId) && other.incarnation > incarnation;
    }
}
