package dev.sftpg.verticles.bus;

/**
 * Event-bus addresses of one run. Runs never share a cluster (each has its own cluster name), so the addresses
 * themselves need no run id.
 */
public final class Addresses {
    private Addresses() {
    }

    /** Run description (config JSON, data dimension): request-reply, served by the coordinator. */
    public static final String RUN_INFO = "sftpg.run.info";
    /** Rollout worker -> discriminator: a trajectory batch (point-to-point). */
    public static final String BATCH = "sftpg.batch";
    /** Discriminator -> value: fit one batch against f(x0), reply with the coupling gradient. */
    public static final String VALUE_FIT = "sftpg.value.fit";
    /** Score queries: request-reply. */
    public static final String CRITIC_SCORE = "sftpg.critic.score";
    public static final String VALUE_SCORE = "sftpg.value.score";
    /** Discriminator -> generator: a batch after its critic and value steps. */
    public static final String GENERATOR_BATCH = "sftpg.generator.batch";
    /** Generator -> everyone: a new policy version with its weights (publish). */
    public static final String POLICY_ANNOUNCE = "sftpg.policy.announce";
    /** Current policy weights: request-reply, served by the generator (late joiners). */
    public static final String POLICY_WEIGHTS = "sftpg.policy.weights";
    /** Rollout worker -> generator: hello, reply with the first credits. */
    public static final String WORKER_HELLO = "sftpg.worker.hello";
    /** Generator -> one worker: more credits. */
    public static String credit(String workerId) {
        return "sftpg.credit." + workerId;
    }
    /** Learners' weights and optimiser state for checkpoints: request-reply, one address per role. */
    public static String snapshot(String role) {
        return "sftpg.snapshot." + role;
    }
    /**
     * The state a learner hosted by a {@code worker} process starts from: request-reply, served by the coordinator;
     * a {@code LearnerState} for a resumed run, an empty body for a fresh one.
     */
    public static String startState(String role) {
        return "sftpg.run.state." + role;
    }
    /** Coordinator -> learners: a {@code LearnerState} to restore (rollback after numerical faults), request-reply. */
    public static String restore(String role) {
        return "sftpg.restore." + role;
    }
    /** Coordinator -> generator: hold credits (JSON {"hold": true}) until released; replies once nothing is in flight. */
    public static final String GENERATOR_HOLD = "sftpg.generator.hold";
    /** Discriminator -> generator: a batch it could not process (a {@code Credit} naming the worker), so its credit comes back. */
    public static final String BATCH_LOST = "sftpg.batch.lost";
    /** Learner -> coordinator: repeated non-finite updates (JSON {"role", "reason"}), asks for a rollback. */
    public static final String FAULT = "sftpg.fault";
    /**
     * Coordinator -> everyone, every second: the run is alive. Headers {@code runId} and {@code incarnation} (the
     * coordinator's start time) let workers notice a lost coordinator and a resumed one.
     */
    public static final String HEARTBEAT = "sftpg.run.heartbeat";
    /** Every verticle publishes JSON metrics here. */
    public static final String METRICS = "sftpg.metrics";
    /** Coordinator -> observers: run events (evaluations with samples, checkpoints), JSON (publish). */
    public static final String EVENTS = "sftpg.events";
    /** Dashboard -> coordinator: a control action ("stop", "checkpoint", "pause", "resume"), request-reply. */
    public static final String CONTROL_REQUEST = "sftpg.control.request";
    /**
     * Coordinator -> everyone: "stop" (the run ended: leave) or "suspend" (a learner was lost: wait for a resumed
     * coordinator) in the "command" header (publish). Pausing holds the generator's credits instead.
     */
    public static final String CONTROL = "sftpg.control";

    /** Header naming the sending verticle, for per-sender reject accounting. */
    public static final String SENDER = "sender";
}
