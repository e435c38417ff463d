package dev.sftpg.nn;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The one helper thread the 2-D networks and the fine-tuning loop hand work to, so that a 2-core machine runs two
 * things at once: the halves of a large product ({@link Gemm}), the halves of a large batch ({@link ConditionalMlp}),
 * the next rollout while a batch trains ({@code SftPgLoop}). Work is offered, never queued: when the helper is busy
 * (or there is none: one core, or {@code -Dsftpg.productThreads=1}), the caller does it itself, so nothing ever waits
 * behind another thread's work and the arithmetic is the same wherever a part ran.
 */
public final class SecondCore {
    private static final ExecutorService HELPER = Runtime.getRuntime().availableProcessors() > 1
            && !"1".equals(System.getProperty("sftpg.productThreads")) ? Executors.newSingleThreadExecutor(HelperThread::new) : null;
    private static final AtomicBoolean BUSY = new AtomicBoolean();

    /** Work already on the helper runs on it alone (waiting on itself would never end). */
    private static final class HelperThread extends Thread {
        HelperThread(Runnable r) {
            super(r, "sftpg-second-core");
            setDaemon(true);
        }
    }

    private SecondCore() {
    }

    /** Whether there is a helper thread at all (two cores, not {@code -Dsftpg.productThreads=1}). */
    public static boolean exists() {
        return HELPER != null;
    }

    /** {@code work} started on the helper if it is free (and the caller is not the helper), else null: do it yourself. */
    public static <T> Future<T> offer(Supplier<T> work) {
        if (HELPER == null || Thread.currentThread() instanceof HelperThread || !BUSY.compareAndSet(false, true)) return null;
        try {
            return HELPER.submit(() -> {
                try {
                    return work.get();
                } finally {
                    BUSY.set(false);
                }
            });
        } catch (RuntimeException rejected) {
            BUSY.set(false);
            return null;
        }
    }

    /**
     * Runs {@code first} on the caller's thread and {@code second} on the helper at the same time if it is free (else
     * after {@code first}, on the caller's), and returns when both are done. The two must not write the same memory.
     */
    public static void inParallel(Runnable first, Runnable second) {
        Future<Object> other = offer(() -> {
            second.run();
            return null;
        });
        if (other == null) {
            first.run();
            second.run();
            return;
        }
        Throwable failure = null;
        try {
            first.run();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        // the second part writes memory the caller owns: it is waited for even when the first failed
        try {
            await(other);
        } catch (RuntimeException | Error e) {
            if (failure == null) failure = e;
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
    }

    /** The result of work {@link #offer}ed, its failure rethrown as it was. */
    public static <T> T await(Future<T> offered) {
        try {
            return offered.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the second core", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw new IllegalStateException("work on the second core failed", e.getCause());
        }
    }
}
