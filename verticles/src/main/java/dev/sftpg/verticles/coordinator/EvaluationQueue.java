package dev.sftpg.verticles.coordinator;

import dev.sftpg.messages.PolicyWeights;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Evaluations} on a worker thread of their own, one at a time and in the order asked (so the curve is in
 * version order); each result comes back on the caller's context, the coordinator's, which stays free meanwhile.
 */
public final class EvaluationQueue {
    private final Evaluations evaluations;
    private final WorkerExecutor thread;
    private Future<?> tail = Future.succeededFuture();

    public EvaluationQueue(Vertx vertx, Evaluations evaluations) {
        this.evaluations = evaluations;
        // one thread: the evaluation network is only ever used from it
        this.thread = vertx.createSharedWorkerExecutor("sftpg-evaluation", 1, 10, TimeUnit.MINUTES);
    }

    /** Evaluates {@code w} once every evaluation asked before it has completed. */
    public Future<Evaluations.Result> submit(PolicyWeights w, int n, int seeds) {
        Future<Evaluations.Result> mine = tail.transform(x -> thread.executeBlocking(() -> evaluations.evaluate(w, n, seeds), true));
        tail = mine;
        return mine;
    }

    /** Completes once every evaluation asked so far has completed, however it ended. */
    public Future<Void> idle() {
        return tail.transform(x -> Future.succeededFuture());
    }

    public Future<Void> close() {
        return thread.close();
    }
}
