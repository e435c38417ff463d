package dev.sftpg.cli;

import dev.sftpg.verticles.bus.Log;

/**
 * A worker process's view of its run's coordinator, from its heartbeats: when they stop (the run process died, or
 * stopped after losing a learner) the worker says so once and waits for {@code sftpg run --resume}, whose
 * coordinator its rollout verticles re-attach to; after {@code reattachSeconds} without one it gives up, so no
 * worker waits forever. Thread-safe: beats arrive on an event loop, checks come from a timer.
 */
final class CoordinatorWatch {
    private final String runId;
    private final long reattachMillis, silentMillis;
    private long lastBeat = System.currentTimeMillis();
    private boolean saidSilent;

    CoordinatorWatch(String runId, int reattachSeconds, long silentMillis) {
        this.runId = runId;
        this.reattachMillis = reattachSeconds * 1000L;
        this.silentMillis = silentMillis;
    }

    synchronized void beat(String fromRun) {
        if (!runId.equals(fromRun)) return;
        if (saidSilent) Log.info("worker", "the run's coordinator is back: re-attaching");
        saidSilent = false;
        lastBeat = System.currentTimeMillis();
    }

    /** The run stopped on a fault and asked its workers to wait for a resume. */
    synchronized void suspended() {
        Log.info("worker", "the run stopped on a fault; waiting up to " + reattachMillis / 1000 + " s for `sftpg run --resume`");
        saidSilent = true;
        lastBeat = System.currentTimeMillis();
    }

    /** Whether to leave: logs the first silence, and is true once the silence outlasts the re-attach timeout. */
    synchronized boolean gaveUp() {
        long silent = System.currentTimeMillis() - lastBeat;
        if (silent > silentMillis && !saidSilent) {
            saidSilent = true;
            Log.warn("worker", "the run's coordinator has been silent for " + silent / 1000 + " s; waiting up to "
                    + reattachMillis / 1000 + " s for it to come back (sftpg run --resume RUN_DIR)");
        }
        return silent > reattachMillis;
    }
}
