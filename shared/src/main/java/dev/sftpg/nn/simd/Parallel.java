package dev.sftpg.nn.simd;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The threads the image layers' fused loops ({@link FloatKernels}) split their rows over: one (the caller) unless
 * {@link #setThreads} says more, as {@code Nd4jRuntime.configureForImages} does. A loop of fewer than
 * {@link #MIN_SPLIT} elements stays on the caller: handing work to another thread costs tens of microseconds.
 */
public final class Parallel {
    static final long MIN_SPLIT = 1 << 16;
    private static volatile int threads = 1;
    private static ExecutorService pool;

    private Parallel() {
    }

    /** Loops split over {@code n} threads, the caller and {@code n - 1} kept daemon threads. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (pool != null) pool.shutdown();
        pool = n == 1 ? null : Executors.newFixedThreadPool(n - 1, r -> {
            Thread t = new Thread(r, "sftpg-conv-loop");
            t.setDaemon(true);
            return t;
        });
        threads = n;
    }

    public static int threads() {
        return threads;
    }

    private static volatile int batchSplit = 1;

    /**
     * Image networks that support it split each batch over {@code n} replicas of themselves, one per thread (the
     * caller's and {@code n - 1} of their own), each running every op on one thread: data parallelism in place of
     * splitting every op. Set by {@code Nd4jRuntime.configureForImages}.
     */
    public static void setBatchSplit(int n) {
        if (n < 1) throw new IllegalArgumentException("batch split must be >= 1, got " + n);
        batchSplit = n;
    }

    public static int batchSplit() {
        return batchSplit;
    }

    public interface Range {
        void run(int from, int to);
    }

    /** {@code body} over rows [0, rows), each {@code rowLength} elements, in contiguous parts, one per thread. */
    public static void rows(int rows, long rowLength, Range body) {
        int t = Math.min(threads, rows);
        ExecutorService p = pool;
        if (t <= 1 || p == null || (long) rows * rowLength < MIN_SPLIT) {
            body.run(0, rows);
            return;
        }
        Future<?>[] parts = new Future<?>[t - 1];
        for (int k = 1; k < t; k++) {
            int from = (int) ((long) rows * k / t), to = (int) ((long) rows * (k + 1) / t);
            parts[k - 1] = p.submit(() -> body.run(from, to));
        }
        body.run(0, rows / t);
        try {
            for (Future<?> f : parts) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in a parallel loop", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a parallel loop failed", e.getCause());
        }
    }
}
