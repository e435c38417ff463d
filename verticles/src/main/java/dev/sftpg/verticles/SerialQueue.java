package dev.sftpg.verticles;

import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Runs asynchronous jobs strictly one after another on a verticle's context: a job that waits on a reply does
 * not let the next one start, so a learner never sees two batches interleaved. Its depth is a metric.
 */
final class SerialQueue {
    private final ArrayDeque<Supplier<Future<?>>> jobs = new ArrayDeque<>();
    private boolean running;

    void submit(Supplier<Future<?>> job) {
        jobs.add(job);
        if (!running) next();
    }

    int depth() {
        return jobs.size() + (running ? 1 : 0);
    }

    private void next() {
        Supplier<Future<?>> job = jobs.poll();
        if (job == null) {
            running = false;
            return;
        }
        running = true;
        Future<?> f;
        try {
            f = job.get();
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        f.onComplete(ar -> next());
    }
}
