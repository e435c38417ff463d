package dev.sftpg.nn;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Process-wide ND4J settings. On small 2-core machines libnd4j's default pool of 2 "master" threads makes
 * every element-wise op on a 128x128 array cost ~8 ms instead of ~20 us; one master thread fixes that
 * (BLAS keeps its own threads). The launcher also sets OMP_NUM_THREADS=1 for the same reason.
 */
public final class Nd4jRuntime {
    private static volatile boolean configured;

    private Nd4jRuntime() {
    }

    public static synchronized void configure() {
        if (configured) return;
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.setDefaultDataTypes(org.nd4j.linalg.api.buffer.DataType.FLOAT, org.nd4j.linalg.api.buffer.DataType.FLOAT);
        configured = true;
    }

    /**
     * Threads for image work, chosen by the command. With one OpenMP thread (the launcher's default) and more asked
     * for, the UNet splits each batch over that many replicas of itself, one thread each, every op on one thread
     * (data parallelism, {@link dev.sftpg.nn.simd.Parallel#setBatchSplit}). With more OpenMP threads (OMP_NUM_THREADS,
     * read once when the native libraries load; it also sizes oneDNN's convolutions) every op is split instead:
     * libnd4j's master threads (element-wise ops over whole batches of feature maps) and the UNet layers' fused loops
     * ({@link dev.sftpg.nn.simd.Parallel}), at most the OpenMP threads. The 2-D networks keep {@link #configure()}'s
     * one thread: their small ops cost more to hand to a second thread than to run.
     *
     * @return the threads granted
     */
    public static synchronized int configureForImages(int threads) {
        configure();
        if (threads > 1 && Nd4j.getEnvironment().maxThreads() <= 1) {
            // one OpenMP thread: the batches are split over replicas of the network instead, each op on one thread
            int granted = Math.min(threads, Runtime.getRuntime().availableProcessors());
            Nd4j.getEnvironment().setMaxMasterThreads(1);
            dev.sftpg.nn.simd.Parallel.setThreads(1);
            dev.sftpg.nn.simd.Parallel.setBatchSplit(granted);
            return granted;
        }
        int granted = Math.max(1, Math.min(threads, Nd4j.getEnvironment().maxThreads()));
        Nd4j.getEnvironment().setMaxMasterThreads(granted);
        dev.sftpg.nn.simd.Parallel.setThreads(granted);
        dev.sftpg.nn.simd.Parallel.setBatchSplit(1);
        return granted;
    }

    /**
     * The settings for a command's work: samples that are images get every thread the process started with
     * (OMP_NUM_THREADS, one by default: {@code OMP_NUM_THREADS=2 ./sftpg pretrain --config fashion-mnist} gives them
     * two), points the one of {@link #configure()}.
     */
    public static synchronized void configureFor(boolean images) {
        if (!images) {
            configure();
            return;
        }
        int threads = 1;
        try {
            String omp = System.getenv("OMP_NUM_THREADS");
            if (omp != null) threads = Math.max(1, Integer.parseInt(omp.trim()));
        } catch (NumberFormatException e) {
            threads = 1;
        }
        configureForImages(threads);
    }

    /** One line naming the backend and thread settings, for start-up logs. */
    public static String describe() {
        String omp = System.getenv("OMP_NUM_THREADS");
        int split = dev.sftpg.nn.simd.Parallel.batchSplit();
        return Nd4j.getBackend().getClass().getSimpleName() + ", OMP_NUM_THREADS=" + (omp == null ? "unset" : omp)
                + ", libnd4j master threads " + Nd4j.getEnvironment().maxMasterThreads()
                + (split > 1 ? ", image batches split over " + split + " replicas" : "");
    }
}
