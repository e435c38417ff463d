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
 * sums are BLAS's in either case, blocked another way (results agree to float rounding, not to the bit).
 * {@code -Dsftpg.directBlas=false} sends every product through libnd4j.
 */
public final class Gemm {
    private static final boolean DIRECT = !"false".equals(System.getProperty("sftpg.directBlas")) && probe();

    private Gemm() {
    }

    /** Whether float products go to {@code cblas_sgemm} directly in this process. */
    public static boolean direct() {
        return DIRECT;
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
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                        transposeA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                        transposeB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                        m, n, k, (float) alpha, memory(a), (int) a.size(1), memory(b), (int) b.size(1), (float) beta, memory(c), n);
                return;
            }
        }
        Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
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
            Nd4jRuntime.configure();
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
