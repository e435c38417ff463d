package dev.sftpg.nn.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Fused loops over the native memory of c-ordered float arrays, in SIMD through the (incubating) Vector API: the
 * group statistics, the per-row affine map, SiLU and softplus that libnd4j can only do as several ops, each a pass over
 * memory (a group's sum and sum of squares here is one read; libnd4j's reductions are not vectorised). Arrays are
 * addressed as rows of equal length, row r at element r * rowLength; rows are split over {@link Parallel}'s threads.
 * Load this class only when {@link Simd#AVAILABLE}: without the module on the JVM's command line its linking fails.
 * <p>
 * Every result is the same to the last bit whether the JIT has compiled a loop or not, so that runs with the same
 * seeds repeat exactly: the loops use only operations IEEE rounds one way (add, multiply, divide, fused multiply-add,
 * min, max, bit reinterpretation). The Vector API's own transcendental lanes (EXP, LOG1P) and its lane reductions are
 * not such: compiled they are a vector library's approximations and a tree of adds, interpreted the scalar
 * {@code Math} functions and a left-to-right sum. Here exp is Cephes' single-precision polynomial after a
 * Cody-Waite reduction, log1p on [0, 1] a polynomial, and lanes are summed left to right; each has a scalar twin
 * that the vector tails use, so an element's value does not depend on whether it fell in a tail.
 */
public final class FloatKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Element-wise loops split into chunks of this many elements (a multiple of any vector length). */
    private static final int CHUNK = 1 << 12;

    private FloatKernels() {
    }

    // exp: x = n ln2 + r with |r| <= ln2 / 2, exp(r) by Cephes' expf polynomial, 2^n from the exponent bits
    private static final float EXP_LO = -87.33654f, EXP_HI = 88.0f; // 2^n stays a normal float
    private static final float LOG2E = 1.44269504088896341f, ROUND = 12582912f; // 1.5 * 2^23 rounds to an integer
    /** ROUND + n has the bits 0x4B400000 + n, so (bits - this) << 23 is 2^n's: n + 127 in the exponent field. */
    private static final int ROUND_BITS_LESS_BIAS = 0x4B400000 - 127;
    private static final float LN2_HI = 0.6931472f, LN2_LO = -1.9046542e-9f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** exp(x) in float, within two ulps, the same bits as {@link #exp(FloatVector)} lane by lane. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(c, LOG2E, ROUND), n = t - ROUND;
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, c));
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float e = Math.fma(p, r * r, r) + 1f;
        return e * Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUND_BITS_LESS_BIAS) << 23);
    }

    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = c.fma(LOG2E, ROUND), n = t.sub(ROUND);
        FloatVector r = n.fma(V_MINUS_LN2_LO, n.fma(V_MINUS_LN2_HI, c));
        FloatVector p = V_P0.fma(r, V_P1).fma(r, V_P2).fma(r, V_P3).fma(r, V_P4).fma(r, V_P5);
        FloatVector e = p.fma(r.mul(r), r).add(1f);
        // 2^n from t's own bits (JDK 17 does not compile the float-to-int lane conversion to vector code)
        IntVector bits = t.reinterpretAsInts().sub(ROUND_BITS_LESS_BIAS).lanewise(VectorOperators.LSHL, 23);
        return e.mul(bits.reinterpretAsFloats());
    }

    private static FloatVector k(float c) {
        return FloatVector.broadcast(F, c);
    }

    /*
     * The polynomials' coefficients as constant vectors, not broadcast where they are used: measured, a loop that
     * broadcast them through k() was compiled either way from one JVM start to the next, and in most starts the
     * broadcasts stayed calls that box every vector (softplus 7-10 ns an element instead of 2.4, a policy forward
     * of 128 rows 0.6-1.3 ms instead of 0.45).
     */
    private static final FloatVector V_ONE = k(1f), V_MINUS_LN2_LO = k(-LN2_LO), V_MINUS_LN2_HI = k(-LN2_HI), V_P0 = k(P0), V_P1 = k(P1),
            V_P2 = k(P2), V_P3 = k(P3), V_P4 = k(P4), V_P5 = k(P5);

    // log1p(e) = e q(e) on [0, 1], q a degree-9 polynomial (Chebyshev interpolation of log1p(e) / e, within 1.5 ulps
    // in float): no division, which costs a vector unit as much as a dozen fused multiply-adds
    private static final float Q0 = 1.0f, Q1 = -0.49999892711639404f, Q2 = 0.33329710364341736f,
            Q3 = -0.24951615929603577f, Q4 = 0.1966327428817749f, Q5 = -0.1526966691017151f, Q6 = 0.10543623566627502f,
            Q7 = -0.056373611092567444f, Q8 = 0.019542526453733444f, Q9 = -0.0031760570127516985f;
    private static final FloatVector V_Q0 = k(Q0), V_Q1 = k(Q1), V_Q2 = k(Q2), V_Q3 = k(Q3), V_Q4 = k(Q4), V_Q5 = k(Q5),
            V_Q6 = k(Q6), V_Q7 = k(Q7), V_Q8 = k(Q8), V_Q9 = k(Q9);

    /** log(1 + e) for e in [0, 1] within two ulps, the same bits as {@link #log1pUnit(FloatVector)} lane by lane. */
    static float log1pUnit(float e) {
        float q = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Q9, e, Q8), e, Q7), e, Q6), e, Q5), e, Q4);
        q = Math.fma(Math.fma(Math.fma(Math.fma(q, e, Q3), e, Q2), e, Q1), e, Q0);
        return e * q;
    }

    static FloatVector log1pUnit(FloatVector e) {
        FloatVector q = V_Q9.fma(e, V_Q8).fma(e, V_Q7).fma(e, V_Q6).fma(e, V_Q5).fma(e, V_Q4)
                .fma(e, V_Q3).fma(e, V_Q2).fma(e, V_Q1).fma(e, V_Q0);
        return e.mul(q);
    }

    /** softplus(x) = max(x, 0) + log1p(exp(-|x|)), overflow-safe; the scalar twin of the vector loop's lanes. */
    static float softplus(float x) {
        return Math.max(x, 0f) + log1pUnit(exp(-Math.abs(x)));
    }

    /** sigmoid(x) = 1 / (1 + exp(-x)); the scalar twin of the vector loops' lanes. */
    static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }

    private static FloatVector sigmoid(FloatVector x) {
        return V_ONE.div(exp(x.neg()).add(1f));
    }

    /** The lanes of {@code v} summed left to right in double (a reduction whose order the JIT cannot change). */
    static double sumLanes(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        double s = 0;
        for (float x : lanes) s += x;
        return s;
    }

    private static int chunks(int n) {
        return (n + CHUNK - 1) / CHUNK;
    }

    /** Whether the kernels can address {@code a}: float, elements packed in c order. */
    public static boolean fits(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a);
    }

    /** The array's memory, in native order (also {@link MlpKernels}'s). */
    static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ORDER);
    }

    /** Byte offset of the array's first element in {@link #bytes}. */
    static int base(INDArray a) {
        return Math.toIntExact(a.offset() * Float.BYTES);
    }

    /**
     * Per row of {@code x}: the mean into {@code mean} and 1 / sqrt(variance + eps) into {@code invStd}, the
     * variance (biased, as normalisation uses it) taken from the centred values in a second pass.
     */
    public static void moments(INDArray x, int rows, int n, double eps, double[] mean, double[] invStd) {
        ByteBuffer xb = bytes(x);
        int x0 = base(x);
        Parallel.rows(rows, n, (from, to) -> moments(xb, x0, from, to, n, eps, mean, invStd));
    }

    private static void moments(ByteBuffer xb, int x0, int from, int to, int n, double eps, double[] mean, double[] invStd) {
        int bound = F.loopBound(n);
        float[] lanes = new float[LANES];
        for (int r = from; r < to; r++) {
            int o = x0 + r * n * Float.BYTES;
            FloatVector s = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += LANES) s = s.add(FloatVector.fromByteBuffer(F, xb, o + i * Float.BYTES, ORDER));
            double sum = sumLanes(s, lanes);
            for (; i < n; i++) sum += xb.getFloat(o + i * Float.BYTES);
            float m = (float) (sum / n);
            FloatVector mv = FloatVector.broadcast(F, m), q = FloatVector.zero(F);
            for (i = 0; i < bound; i += LANES) {
                FloatVector d = FloatVector.fromByteBuffer(F, xb, o + i * Float.BYTES, ORDER).sub(mv);
                q = d.fma(d, q);
            }
            double sq = sumLanes(q, lanes);
            for (; i < n; i++) {
                double d = xb.getFloat(o + i * Float.BYTES) - m;
                sq += d * d;
            }
            mean[r] = m;
            invStd[r] = 1 / Math.sqrt(sq / n + eps);
        }
    }

    /** y = x * scale[r] + shift[r] along each row r. */
    public static void affine(INDArray x, INDArray y, int rows, int n, float[] scale, float[] shift) {
        ByteBuffer xb = bytes(x), yb = bytes(y);
        int x0 = base(x), y0 = base(y);
        Parallel.rows(rows, n, (from, to) -> affine(xb, x0, yb, y0, from, to, n, scale, shift));
    }

    private static void affine(ByteBuffer xb, int x0, ByteBuffer yb, int y0, int from, int to, int n, float[] scale, float[] shift) {
        int bound = F.loopBound(n);
        for (int r = from; r < to; r++) {
            int ox = x0 + r * n * Float.BYTES, oy = y0 + r * n * Float.BYTES;
            FloatVector a = FloatVector.broadcast(F, scale[r]), b = FloatVector.broadcast(F, shift[r]);
            int i = 0;
            for (; i < bound; i += LANES)
                FloatVector.fromByteBuffer(F, xb, ox + i * Float.BYTES, ORDER).fma(a, b).intoByteBuffer(yb, oy + i * Float.BYTES, ORDER);
            for (; i < n; i++) yb.putFloat(oy + i * Float.BYTES, xb.getFloat(ox + i * Float.BYTES) * scale[r] + shift[r]);
        }
    }

    /**
     * GroupNorm's affine map followed by SiLU in one pass: along each row r, y = x * scale[r] + shift[r], s = sigmoid(y)
     * into {@code s}, y * s into {@code out}. The same operations in the same order as {@link #affine} then
     * {@link #silu}, so the same bits, without writing and reading y.
     */
    public static void affineSilu(INDArray x, INDArray out, INDArray s, int rows, int n, float[] scale, float[] shift) {
        ByteBuffer xb = bytes(x), ob = bytes(out), sb = bytes(s);
        int x0 = base(x), o0 = base(out), s0 = base(s);
        Parallel.rows(rows, 3L * n, (from, to) -> affineSilu(xb, x0, ob, o0, sb, s0, from, to, n, scale, shift));
    }

    private static void affineSilu(ByteBuffer xb, int x0, ByteBuffer ob, int o0, ByteBuffer sb, int s0, int from, int to, int n,
                                   float[] scale, float[] shift) {
        int bound = F.loopBound(n);
        for (int r = from; r < to; r++) {
            int off = r * n * Float.BYTES;
            FloatVector a = FloatVector.broadcast(F, scale[r]), b = FloatVector.broadcast(F, shift[r]);
            int i = 0;
            for (; i < bound; i += LANES) {
                int at = off + i * Float.BYTES;
                FloatVector y = FloatVector.fromByteBuffer(F, xb, x0 + at, ORDER).fma(a, b);
                FloatVector sig = sigmoid(y);
                sig.intoByteBuffer(sb, s0 + at, ORDER);
                y.mul(sig).intoByteBuffer(ob, o0 + at, ORDER);
            }
            for (; i < n; i++) {
                int at = off + i * Float.BYTES;
                float y = xb.getFloat(x0 + at) * scale[r] + shift[r], sig = sigmoid(y);
                sb.putFloat(s0 + at, sig);
                ob.putFloat(o0 + at, y * sig);
            }
        }
    }

    /**
     * The backward pass of {@link #affineSilu} as far as GroupNorm's sums: along each row r, with y = x * scale[r] +
     * shift[r] recomputed and s as kept, g = dOut * s (1 + y (1 - s)) into {@code g} (the gradient at GroupNorm's
     * output), sumG[r] = sum of g and sumGX[r] = sum of g * (x - centre[r]). The same bits as {@link #siluBackward}
     * then {@link #rowSums}.
     */
    public static void siluBackwardRowSums(INDArray dOut, INDArray x, INDArray s, INDArray g, int rows, int n, float[] scale,
                                           float[] shift, float[] centre, double[] sumG, double[] sumGX) {
        ByteBuffer db = bytes(dOut), xb = bytes(x), sb = bytes(s), gb = bytes(g);
        int d0 = base(dOut), x0 = base(x), s0 = base(s), g0 = base(g);
        Parallel.rows(rows, 4L * n, (from, to) -> siluBackwardRowSums(db, d0, xb, x0, sb, s0, gb, g0, from, to, n, scale, shift,
                centre, sumG, sumGX));
    }

    private static void siluBackwardRowSums(ByteBuffer db, int d0, ByteBuffer xb, int x0, ByteBuffer sb, int s0, ByteBuffer gb,
                                            int g0, int from, int to, int n, float[] scale, float[] shift, float[] centre,
                                            double[] sumG, double[] sumGX) {
        int bound = F.loopBound(n);
        float[] lanes = new float[LANES];
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int r = from; r < to; r++) {
            int off = r * n * Float.BYTES;
            FloatVector a = FloatVector.broadcast(F, scale[r]), b = FloatVector.broadcast(F, shift[r]);
            FloatVector c = FloatVector.broadcast(F, centre[r]), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += LANES) {
                int at = off + i * Float.BYTES;
                FloatVector v = FloatVector.fromByteBuffer(F, xb, x0 + at, ORDER);
                FloatVector sig = FloatVector.fromByteBuffer(F, sb, s0 + at, ORDER);
                FloatVector grad = v.fma(a, b).mul(one.sub(sig)).add(one).mul(sig).mul(FloatVector.fromByteBuffer(F, db, d0 + at, ORDER));
                grad.intoByteBuffer(gb, g0 + at, ORDER);
                s1 = s1.add(grad);
                s2 = v.sub(c).fma(grad, s2);
            }
            double sum = sumLanes(s1, lanes), sumX = sumLanes(s2, lanes);
            for (; i < n; i++) {
                int at = off + i * Float.BYTES;
                float v = xb.getFloat(x0 + at), sig = sb.getFloat(s0 + at), y = v * scale[r] + shift[r];
                float grad = (y * (1 - sig) + 1) * sig * db.getFloat(d0 + at);
                gb.putFloat(g0 + at, grad);
                sum += grad;
                sumX += grad * (v - centre[r]);
            }
            sumG[r] = sum;
            sumGX[r] = sumX;
        }
    }

    /** Per row r: sumDy[r] = sum of dy, sumDyX[r] = sum of dy * (x - centre[r]). */
    public static void rowSums(INDArray dy, INDArray x, int rows, int n, float[] centre, double[] sumDy, double[] sumDyX) {
        ByteBuffer db = bytes(dy), xb = bytes(x);
        int d0 = base(dy), x0 = base(x);
        Parallel.rows(rows, 2L * n, (from, to) -> rowSums(db, d0, xb, x0, from, to, n, centre, sumDy, sumDyX));
    }

    private static void rowSums(ByteBuffer db, int d0, ByteBuffer xb, int x0, int from, int to, int n, float[] centre,
                                double[] sumDy, double[] sumDyX) {
        int bound = F.loopBound(n);
        float[] lanes = new float[LANES];
        for (int r = from; r < to; r++) {
            int od = d0 + r * n * Float.BYTES, ox = x0 + r * n * Float.BYTES;
            FloatVector c = FloatVector.broadcast(F, centre[r]), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += LANES) {
                FloatVector g = FloatVector.fromByteBuffer(F, db, od + i * Float.BYTES, ORDER);
                s1 = s1.add(g);
                s2 = FloatVector.fromByteBuffer(F, xb, ox + i * Float.BYTES, ORDER).sub(c).fma(g, s2);
            }
            double a = sumLanes(s1, lanes), b = sumLanes(s2, lanes);
            for (; i < n; i++) {
                float g = db.getFloat(od + i * Float.BYTES);
                a += g;
                b += g * (xb.getFloat(ox + i * Float.BYTES) - centre[r]);
            }
            sumDy[r] = a;
            sumDyX[r] = b;
        }
    }

    /** dx = dy * a[r] + x * b[r] + c[r] along each row r. */
    public static void combine(INDArray dy, INDArray x, INDArray dx, int rows, int n, float[] a, float[] b, float[] c) {
        ByteBuffer db = bytes(dy), xb = bytes(x), ob = bytes(dx);
        int d0 = base(dy), x0 = base(x), o0 = base(dx);
        Parallel.rows(rows, 3L * n, (from, to) -> combine(db, d0, xb, x0, ob, o0, from, to, n, a, b, c));
    }

    private static void combine(ByteBuffer db, int d0, ByteBuffer xb, int x0, ByteBuffer ob, int o0, int from, int to, int n,
                                float[] a, float[] b, float[] c) {
        int bound = F.loopBound(n);
        for (int r = from; r < to; r++) {
            int od = d0 + r * n * Float.BYTES, ox = x0 + r * n * Float.BYTES, oo = o0 + r * n * Float.BYTES;
            FloatVector av = FloatVector.broadcast(F, a[r]), bv = FloatVector.broadcast(F, b[r]), cv = FloatVector.broadcast(F, c[r]);
            int i = 0;
            for (; i < bound; i += LANES) {
                FloatVector g = FloatVector.fromByteBuffer(F, db, od + i * Float.BYTES, ORDER);
                FloatVector v = FloatVector.fromByteBuffer(F, xb, ox + i * Float.BYTES, ORDER);
                g.fma(av, v.fma(bv, cv)).intoByteBuffer(ob, oo + i * Float.BYTES, ORDER);
            }
            for (; i < n; i++)
                ob.putFloat(oo + i * Float.BYTES, db.getFloat(od + i * Float.BYTES) * a[r] + (xb.getFloat(ox + i * Float.BYTES) * b[r] + c[r]));
        }
    }

    /** y = x * s and s = sigmoid(x) = 1 / (1 + exp(-x)), over all elements. */
    public static void silu(INDArray x, INDArray y, INDArray s) {
        ByteBuffer xb = bytes(x), yb = bytes(y), sb = bytes(s);
        int x0 = base(x), y0 = base(y), s0 = base(s), n = Math.toIntExact(x.length());
        Parallel.rows(chunks(n), CHUNK, (from, to) -> silu(xb, x0, yb, y0, sb, s0, from * CHUNK, Math.min(n, to * CHUNK)));
    }

    private static void silu(ByteBuffer xb, int x0, ByteBuffer yb, int y0, ByteBuffer sb, int s0, int from, int n) {
        int bound = from + F.loopBound(n - from);
        int i = from;
        for (; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromByteBuffer(F, xb, x0 + i * Float.BYTES, ORDER);
            FloatVector sig = sigmoid(v);
            sig.intoByteBuffer(sb, s0 + i * Float.BYTES, ORDER);
            v.mul(sig).intoByteBuffer(yb, y0 + i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float v = xb.getFloat(x0 + i * Float.BYTES), sig = sigmoid(v);
            sb.putFloat(s0 + i * Float.BYTES, sig);
            yb.putFloat(y0 + i * Float.BYTES, v * sig);
        }
    }

    /** dx = dy * s (1 + x (1 - s)), s = sigmoid(x) as {@link #silu} kept it. */
    public static void siluBackward(INDArray dy, INDArray x, INDArray s, INDArray dx) {
        ByteBuffer db = bytes(dy), xb = bytes(x), sb = bytes(s), ob = bytes(dx);
        int d0 = base(dy), x0 = base(x), s0 = base(s), o0 = base(dx), n = Math.toIntExact(x.length());
        Parallel.rows(chunks(n), CHUNK, (from, to) -> siluBackward(db, d0, xb, x0, sb, s0, ob, o0, from * CHUNK, Math.min(n, to * CHUNK)));
    }

    private static void siluBackward(ByteBuffer db, int d0, ByteBuffer xb, int x0, ByteBuffer sb, int s0, ByteBuffer ob, int o0,
                                     int from, int n) {
        int bound = from + F.loopBound(n - from);
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = from;
        for (; i < bound; i += LANES) {
            FloatVector sig = FloatVector.fromByteBuffer(F, sb, s0 + i * Float.BYTES, ORDER);
            FloatVector v = FloatVector.fromByteBuffer(F, xb, x0 + i * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromByteBuffer(F, db, d0 + i * Float.BYTES, ORDER);
            v.mul(one.sub(sig)).add(one).mul(sig).mul(g).intoByteBuffer(ob, o0 + i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float sig = sb.getFloat(s0 + i * Float.BYTES), v = xb.getFloat(x0 + i * Float.BYTES);
            ob.putFloat(o0 + i * Float.BYTES, (v * (1 - sig) + 1) * sig * db.getFloat(d0 + i * Float.BYTES));
        }
    }

    /**
     * y = softplus(x) in the overflow-safe form max(x, 0) + log1p(exp(-|x|)): one pass where libnd4j needs five ops
     * (its own softplus overflows past x ~ 88 and evaluates exp one element at a time).
     */
    public static void softplus(INDArray x, INDArray y) {
        ByteBuffer xb = bytes(x), yb = bytes(y);
        int x0 = base(x), y0 = base(y), n = Math.toIntExact(x.length());
        Parallel.rows(chunks(n), CHUNK, (from, to) -> softplus(xb, x0, yb, y0, from * CHUNK, Math.min(n, to * CHUNK)));
    }

    /** Elements from..n-1 at byte offsets x0 and y0; also one row of {@link MlpKernels}'s layers. */
    static void softplus(ByteBuffer xb, int x0, ByteBuffer yb, int y0, int from, int n) {
        int bound = from + F.loopBound(n - from);
        int i = from;
        for (; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromByteBuffer(F, xb, x0 + i * Float.BYTES, ORDER);
            v.max(0f).add(log1pUnit(exp(v.abs().neg()))).intoByteBuffer(yb, y0 + i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) yb.putFloat(y0 + i * Float.BYTES, softplus(xb.getFloat(x0 + i * Float.BYTES)));
    }

    /** g = g * sigmoid(x) in place: softplus's backward, one pass. */
    public static void mulSigmoid(INDArray x, INDArray g) {
        ByteBuffer xb = bytes(x), gb = bytes(g);
        int x0 = base(x), g0 = base(g), n = Math.toIntExact(x.length());
        Parallel.rows(chunks(n), CHUNK, (from, to) -> mulSigmoid(xb, x0, gb, g0, from * CHUNK, Math.min(n, to * CHUNK)));
    }

    /** Elements from..n-1 at byte offsets x0 and g0; also one row of {@link MlpKernels}'s softplus backward. */
    static void mulSigmoid(ByteBuffer xb, int x0, ByteBuffer gb, int g0, int from, int n) {
        int bound = from + F.loopBound(n - from);
        int i = from;
        for (; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromByteBuffer(F, xb, x0 + i * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromByteBuffer(F, gb, g0 + i * Float.BYTES, ORDER);
            g.div(exp(v.neg()).add(1f)).intoByteBuffer(gb, g0 + i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float v = xb.getFloat(x0 + i * Float.BYTES);
            gb.putFloat(g0 + i * Float.BYTES, gb.getFloat(g0 + i * Float.BYTES) / (exp(-v) + 1f));
        }
    }

    /**
     * The taps' shifted sums: for each sample b and output channel o, y[b, o, Y, X] += planes[b, t, Y + dy, X + dx]
     * over the tap t = (o * k + ky) * k + kx, shift (dy, dx) = (ky - pad, kx - pad), where the neighbour lies in
     * the h x w image.
     */
    public static void shiftAdd(INDArray planes, INDArray y, int batch, int out, int k, int pad, int h, int w) {
        ByteBuffer pb = bytes(planes), yb = bytes(y);
        int p0 = base(planes), y0 = base(y), plane = h * w;
        Parallel.rows(batch, (long) out * k * k * plane, (from, to) -> {
            for (int b = from; b < to; b++)
                for (int o = 0; o < out; o++) {
                    int target = y0 + ((b * out + o) * plane) * Float.BYTES;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int dy = ky - pad, dx = kx - pad, t = (o * k + ky) * k + kx;
                            int source = p0 + ((b * out * k * k + t) * plane) * Float.BYTES;
                            int r0 = Math.max(0, -dy), r1 = Math.min(h, h - dy), c0 = Math.max(0, -dx), c1 = Math.min(w, w - dx);
                            for (int r = r0; r < r1; r++)
                                addRow(pb, source + ((r + dy) * w + c0 + dx) * Float.BYTES, yb, target + (r * w + c0) * Float.BYTES, c1 - c0);
                        }
                }
        });
    }

    /** The gradient of {@link #shiftAdd}'s planes: dPlanes[b, t, Y + dy, X + dx] = dy[b, o, Y, X], zero where no pixel maps. */
    public static void shiftGather(INDArray dy, INDArray dPlanes, int batch, int out, int k, int pad, int h, int w) {
        ByteBuffer gb = bytes(dy), pb = bytes(dPlanes);
        int g0 = base(dy), p0 = base(dPlanes), plane = h * w;
        Parallel.rows(batch, (long) out * k * k * plane, (from, to) -> {
            for (int b = from; b < to; b++)
                for (int o = 0; o < out; o++) {
                    int source = g0 + ((b * out + o) * plane) * Float.BYTES;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int sy = ky - pad, sx = kx - pad, t = (o * k + ky) * k + kx;
                            int target = p0 + ((b * out * k * k + t) * plane) * Float.BYTES;
                            for (int i = 0; i < plane; i++) pb.putFloat(target + i * Float.BYTES, 0f);
                            int r0 = Math.max(0, -sy), r1 = Math.min(h, h - sy), c0 = Math.max(0, -sx), c1 = Math.min(w, w - sx);
                            for (int r = r0; r < r1; r++)
                                copyRow(gb, source + (r * w + c0) * Float.BYTES, pb, target + ((r + sy) * w + c0 + sx) * Float.BYTES, c1 - c0);
                        }
                }
        });
    }

    /** to[i] += from[i] for n floats at the given byte offsets. */
    private static void addRow(ByteBuffer from, int f, ByteBuffer to, int t, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES)
            FloatVector.fromByteBuffer(F, to, t + i * Float.BYTES, ORDER).add(FloatVector.fromByteBuffer(F, from, f + i * Float.BYTES, ORDER))
                    .intoByteBuffer(to, t + i * Float.BYTES, ORDER);
        for (; i < n; i++) to.putFloat(t + i * Float.BYTES, to.getFloat(t + i * Float.BYTES) + from.getFloat(f + i * Float.BYTES));
    }

    private static void copyRow(ByteBuffer from, int f, ByteBuffer to, int t, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES)
            FloatVector.fromByteBuffer(F, from, f + i * Float.BYTES, ORDER).intoByteBuffer(to, t + i * Float.BYTES, ORDER);
        for (; i < n; i++) to.putFloat(t + i * Float.BYTES, from.getFloat(f + i * Float.BYTES));
    }
}
