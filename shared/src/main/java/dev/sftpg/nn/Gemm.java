package dev.sftpg.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;


/**
 * Matrix products {@code c = alpha op(a) op(b) + beta c}, the one place the networks multiply matrices. Float arrays
 * packed in c order go straight to OpenBLAS's {@code cblas_sgemm}, the library libnd4j's own matmul calls; anything
 * else (double precision for the gradient checks, strided views) through {@link Nd4j#gemm}. libnd4j's op validates
 * its arguments and computes a c-ordered result into a column-major copy: measured on one thread, a 128 x 128 x 128
 * product took 130-150 us through it against 80-90 us direct, and 1280 x 256 x 256 about 3.3 ms against 2.9 ms. The
 * sums are BLAS's in either case, blocked another way (results agree to float rounding, not to the bit). Large
 * products use the second core (below). {@code -Dsftpg.directBlas=false} sends every product through libnd4j,
 * {@code -Dsftpg.productThreads=1} keeps every product on its caller's thread.
 */
public final class Gemm {
    private static final boolean DIRECT = !"false".equals(System.getProperty("sftpg.directBlas")) && probe();
    /**
     * Products of at least this many multiply-adds (a value step's 1280 x 256 x 256, a critic step's 256 x 256 x 256,
     * not a pretraining step's 128 x 128 x 128) are computed as two halves of c's rows, the second on the
     * {@link SecondCore} when it is free: measured, handing work over pays only above a few milliseconds of it.
     */
    static final long SPLIT_MIN_MULTIPLY_ADDS = 1L << 24;
    private static final int SPLIT_MIN_ROWS = 64;

    private Gemm() {
    }

    /** Whether float products go to {@code cblas_sgemm} directly in this process. */
    public static boolean direct() {
        return DIRECT;
    }

    /** Whether products of at least {@link #SPLIT_MIN_MULTIPLY_ADDS} multiply-adds can use two threads. */
    static boolean splitsLargeProducts() {
        return DIRECT && SecondCore.exists();
    }

    /** {@code c = alpha op(a) op(b) + beta c}, op the transpose where asked: {@link Nd4j#gemm}'s contract. */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha, double beta) {
        if (DIRECT && packedFloatMatrix(a) && packedFloatMatrix(b) && packedFloatMatrix(c)) {
            int m = (int) c.size(0), n = (int) c.size(1);
            int k = (int) (transposeA ? a.size(0) : a.size(1));
            if ((transposeA ? a.size(1) : a.size(0)) != m || (transposeB ? b.size(1) : b.size(0)) != k
                    || (transposeB ? b.size(0) : b.size(1)) != n)
                throw new IllegalArgumentException("gemm: shapes do not chain: " + java.util.Arrays.toString(a.shape())
                        + (transposeA ? "^T" : "") + " x " + java.util.Arrays.toString(b.shape()) + (transposeB ? "^T" : "")
                        + " into " + java.util.Arrays.toString(c.shape()));
            if (m > 0 && n > 0 && k > 0) {
                FloatPointer pa = memory(a), pb = memory(b), pc = memory(c);
                int lda = (int) a.size(1), ldb = (int) b.size(1);
                if ((long) m * n * k < SPLIT_MIN_MULTIPLY_ADDS || m < 2 * SPLIT_MIN_ROWS) {
                    sgemm(transposeA, transposeB, 0, m, n, k, (float) alpha, pa, lda, pb, ldb, (float) beta, pc);
                    return;
                }
                // always the rows of c in two parts, so the bits do not depend on whether the second core was free for the second
                int half = m / 2;
                SecondCore.inParallel(() -> sgemm(transposeA, transposeB, 0, half, n, k, (float) alpha, pa, lda, pb, ldb, (float) beta, pc),
                        () -> sgemm(transposeA, transposeB, half, m, n, k, (float) alpha, pa, lda, pb, ldb, (float) beta, pc));
                return;
            }
        }
        Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
    }

    /** Rows {@code from..to-1} of c: a's rows (its columns when transposed) from {@code from}, all of b. */
    private static void sgemm(boolean transposeA, boolean transposeB, int from, int to, int n, int k, float alpha,
                              FloatPointer a, int lda, FloatPointer b, int ldb, float beta, FloatPointer c) {
        FloatPointer aRows = from == 0 ? a : new FloatPointer(a).position(a.position() + (transposeA ? from : (long) from * lda));
        FloatPointer cRows = from == 0 ? c : new FloatPointer(c).position(c.position() + (long) from * n);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transposeA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transposeB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                to - from, n, k, alpha, aRows, lda, b, ldb, beta, cRows, n);
    }

    private static boolean packedFloatMatrix(INDArray x) {
        return x.rank() == 2 && x.dataType() == DataType.FLOAT && x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x)
                && x.size(0) <= Integer.MAX_VALUE && x.size(1) <= Integer.MAX_VALUE;
    }

    /**
     * The array's first element. A view's data buffer is itself a view whose address is already its first element's
     * ({@code offset()} and the buffer's offset agree); whatever of the array's offset the buffer does not carry is added.
     */
    private static FloatPointer memory(INDArray x) {
        return new FloatPointer(x.data().addressPointer()).position(x.offset() - x.data().offset());
    }

    /** The direct path is taken only if the library links and gives a known 2 x 2 product (off any other platform). */
    private static boolean probe() {
        try {
            INDArray a = Nd4j.createFromArray(new float[][]{{1, 2}, {3, 4}});
            INDArray c = Nd4j.createFromArray(new float[][]{{1, 1}, {1, 1}});
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasTrans, 2, 2, 2, 1f, memory(a), 2, memory(a), 2, 2f, memory(c), 2);
            float[] got = c.data().asFloat();
            return got[0] == 7 && got[1] == 13 && got[2] == 13 && got[3] == 27;
        } catch (Throwable e) {
            return false;
        }
    }
}
