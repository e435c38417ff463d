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

    /** One line naming the backend and thread settings, for start-up logs. */
    public static String describe() {
        String omp = System.getenv("OMP_NUM_THREADS");
        return Nd4j.getBackend().getClass().getSimpleName() + ", OMP_NUM_THREADS=" + (omp == null ? "unset" : omp);
    }
}
