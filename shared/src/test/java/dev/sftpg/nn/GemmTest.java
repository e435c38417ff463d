package dev.sftpg.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct {@code cblas_sgemm} path against the same product in double precision: every transposition, alpha and
 * accumulation into c, operands that are views at an offset into a larger buffer (as parameters are in the flat
 * store), products large enough to be split over two threads, and the fallback through libnd4j for arrays it cannot
 * address.
 */
class GemmTest {

    private static INDArray random(SplittableRandom rng, DataType dt, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian();
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dt);
    }

    /** A packed c-ordered [rows, cols] view starting {@code at} elements into a larger float buffer. */
    private static INDArray viewAt(INDArray values, int at) {
        long n = values.length();
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, at + n + 5);
        INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(at, at + n)).reshape('c', values.shape());
        view.assign(values);
        return view;
    }

    private static void assertClose(INDArray expectedDouble, INDArray actual, int k) {
        double[] e = expectedDouble.dup().data().asDouble(), a = actual.castTo(DataType.DOUBLE).dup().data().asDouble();
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++)
            assertEquals(e[i], a[i], 1e-5 * Math.sqrt(k) * (1 + Math.abs(e[i])), "element " + i);
    }

    @Test
    void theDirectPathIsTakenOnThisPlatform() {
        if ("amd64".equals(System.getProperty("os.arch")) && !"false".equals(System.getProperty("sftpg.directBlas")))
            assertTrue(Gemm.direct(), "cblas_sgemm did not link or gave a wrong 2 x 2 product");
        if (Gemm.direct() && Runtime.getRuntime().availableProcessors() > 1 && !"1".equals(System.getProperty("sftpg.productThreads")))
            assertTrue(Gemm.splitsLargeProducts(), "large products stay on one thread on a machine with a second core");
    }

    @ParameterizedTest
    @CsvSource({"false,false,128,128,128", "true,false,128,33,7", "false,true,37,128,129", "true,true,5,9,3", "false,false,1280,256,17",
            "false,false,1280,256,256", "true,false,256,1280,256", "false,true,1280,256,256", "true,true,300,256,256"})
    void floatProductsMatchDoublePrecision(boolean ta, boolean tb, int m, int k, int n) {
        SplittableRandom rng = new SplittableRandom(m * 31L + k * 7L + n);
        INDArray a = random(rng, DataType.DOUBLE, ta ? k : m, ta ? m : k), b = random(rng, DataType.DOUBLE, tb ? n : k, tb ? k : n);
        INDArray c0 = random(rng, DataType.DOUBLE, m, n);
        for (double[] ab : new double[][]{{1, 0}, {0.5, 1}, {-2, 0.25}}) {
            INDArray expected = c0.dup();
            Nd4j.gemm(a, b, expected, ta, tb, ab[0], ab[1]);
            INDArray c = viewAt(c0.castTo(DataType.FLOAT), 3);
            Gemm.gemm(viewAt(a.castTo(DataType.FLOAT), 1), viewAt(b.castTo(DataType.FLOAT), 2), c, ta, tb, ab[0], ab[1]);
            assertClose(expected, c, k);
            INDArray fresh = c0.castTo(DataType.FLOAT);
            Gemm.gemm(a.castTo(DataType.FLOAT), b.castTo(DataType.FLOAT), fresh, ta, tb, ab[0], ab[1]);
            assertClose(expected, fresh, k);
        }
    }

    @Test
    void arraysItCannotAddressGoThroughLibnd4j() {
        SplittableRandom rng = new SplittableRandom(3);
        INDArray a = random(rng, DataType.DOUBLE, 6, 4), b = random(rng, DataType.DOUBLE, 5, 6);
        INDArray expected = Nd4j.zeros(DataType.DOUBLE, 4, 5);
        Nd4j.gemm(a, b, expected, true, true, 1, 0);
        INDArray viaDouble = Nd4j.zeros(DataType.DOUBLE, 4, 5);
        Gemm.gemm(a, b, viaDouble, true, true, 1, 0);
        assertClose(expected, viaDouble, 6);
        // f-ordered transposed views: not packed in c order
        INDArray viaViews = Nd4j.zeros(DataType.FLOAT, 4, 5);
        Gemm.gemm(a.castTo(DataType.FLOAT).transpose(), b.castTo(DataType.FLOAT).transpose(), viaViews, false, false, 1, 0);
        assertClose(expected, viaViews, 6);
    }

    @Test
    void shapesThatDoNotChainAreRefused() {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 3, 4), b = Nd4j.zeros(DataType.FLOAT, 5, 6), c = Nd4j.zeros(DataType.FLOAT, 3, 6);
        if (Gemm.direct()) assertThrows(IllegalArgumentException.class, () -> Gemm.gemm(a, b, c, false, false, 1, 0));
        else assertThrows(RuntimeException.class, () -> Gemm.gemm(a, b, c, false, false, 1, 0));
    }
}
