package dev.sftpg.verticles.coordinator;

import dev.sftpg.verticles.bus.Addresses;

import java.util.Map;
import java.util.TreeMap;

/**
 * Who is alive: the learners, heard through their metrics snapshots (a learner whose heartbeat stopped cannot be
 * replaced in place, so the run stops with a checkpoint to resume from), and other coordinators of this run (a
 * resumed one elsewhere: the older of the two stops, so the cluster never has two brains).
 */
public final class Liveness {
    private final Addresses run;
    private final long learnerTimeoutMillis;
    private final Map<String, Long> learnerSeen = new TreeMap<>();

    public Liveness(Addresses run, long learnerTimeoutMillis) {
        this.run = run;
        this.learnerTimeoutMillis = learnerTimeoutMillis;
    }

    /** This coordinator's start time, which its heartbeats carry: the newest one owns the run. */
    public long incarnation() {
        return run.incarnation();
    }

    /** A metrics snapshot from {@code source}: a learner's is its heartbeat. */
    public void heard(String source) {
        if (LearnerBus.LEARNERS.contains(source)) learnerSeen.put(source, System.currentTimeMillis());
    }

    /** A learner silent for longer than {@code train.learnerTimeout}, and for how long, or null. */
    public Lost lostLearner() {
        long now = System.currentTimeMillis();
        for (Map.Entry<String, Long> e : learnerSeen.entrySet())
            if (now - e.getValue() >= learnerTimeoutMillis) return new Lost(e.getKey(), now - e.getValue());
        return null;
    }

    public record Lost(String learner, long silentMillis) {
    }

    /** Whether a coordinator heartbeat (its incarnation, or null) comes from a newer coordinator of this same run. */
    public boolean supersededBy(Addresses heartbeat) {
        return run.supersededBy(heartbeat);
    }

}
