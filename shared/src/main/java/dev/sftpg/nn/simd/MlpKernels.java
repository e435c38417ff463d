package dev.sftpg.nn.simd;

import static dev.sftpg.nn.simd.FloatKernels.base;
import static dev.sftpg.nn.simd.FloatKernels.bytes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Fused loops of the 2-D MLPs ({@code ConditionalMlp}) and their training steps over the native memory of packed
 * float arrays, in SIMD through the (incubating) Vector API: what libnd4j does as one op per bias, gain, product,
 * activation and derivative, each paying its call overhead on a 128 x 128 array, is one pass per layer and
 * direction here; the matrix products are OpenBLAS calls ({@code Gemm}). Layers are addressed as {@code rows x n} row-major
 * blocks (a gain may be a block of columns of a wider matrix). Load this class only when {@link Simd#AVAILABLE}.
 * <p>
 * The element-wise results are the bits of the libnd4j ops they replace (the same IEEE operations in the same order:
 * add, multiply, divide, comparisons, and {@link FloatKernels}' exp and log1p for softplus). What is a reduction here
 * is a matrix product with a column of ones there (bias gradients) or a libnd4j reduction (norms): those are summed
 * row after row in a fixed order, the same bits compiled or interpreted, but not BLAS's order.
 */
public final class MlpKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Activation codes, as {@code Activation}'s. */
    public static final int IDENTITY = 0, RELU = 1, SOFTPLUS = 2;

    private MlpKernels() {
    }

    /** Bytes from one row of a matrix (a packed one or a block of columns of one) to the next. */
    private static int rowStride(INDArray a) {
        if (a.rank() != 2 || a.stride(1) != 1) throw new IllegalArgumentException("expected a row-major matrix, got strides "
                + java.util.Arrays.toString(a.stride()));
        return Math.toIntExact(a.stride(0) * Float.BYTES);
    }

    /** Copies the packed rows x n matrix {@code from} into {@code to} (a matrix of the same shape, any row stride). */
    public static void copyRows(INDArray from, INDArray to, int rows, int n) {
        ByteBuffer fb = bytes(from), tb = bytes(to);
        int f0 = base(from), t0 = base(to), fs = rowStride(from), ts = rowStride(to);
        for (int r = 0; r < rows; r++) copy(fb, f0 + r * fs, tb, t0 + r * ts, n);
    }

    /** to += from, both rows x n matrices of any row stride. */
    public static void addRows(INDArray from, INDArray to, int rows, int n) {
        ByteBuffer fb = bytes(from), tb = bytes(to);
        int f0 = base(from), t0 = base(to), fs = rowStride(from), ts = rowStride(to);
        for (int r = 0; r < rows; r++) add(tb, t0 + r * ts, fb, f0 + r * fs, tb, t0 + r * ts, n);
    }

    private static FloatVector load(ByteBuffer b, int at) {
        return FloatVector.fromByteBuffer(F, b, at, ORDER);
    }

    /** libnd4j's RectifiedLinear: x < 0 ? 0 : x (so -0 and NaN pass through). */
    private static float relu(float x) {
        return x < 0f ? 0f : x;
    }

    /**
     * A dense layer's epilogue after its products, over {@code rows x n}: lin += b; when {@code gain} is non-null,
     * gain row r is {@code gain[gainRow[r]]} ({@code gainRow} null: row r), plus {@code gainBias} when non-null, and
     * pre = lin * gain, else pre is lin; then act = f(pre) unless {@code act} is null (identity layers). When the gain
     * is a product's result ({@code gainRow} null) the biased gain is written back into it, as backward needs it; a
     * gathered gain (a per-step table) is left as it is. Each step is its own loop over a row (in L1 cache): C2 keeps
     * straight-line vector code in registers, where vectors merged across branches would be boxed on the heap.
     */
    public static void forward(INDArray lin, INDArray b, INDArray gain, int[] gainRow, INDArray gainBias, INDArray pre,
                               INDArray act, int activation, int rows, int n) {
        ByteBuffer lb = bytes(lin), bb = bytes(b), pb = bytes(pre);
        int l0 = base(lin), b0 = base(b), p0 = base(pre);
        ByteBuffer gb = gain == null ? null : bytes(gain), gbb = gainBias == null ? null : bytes(gainBias);
        int g0 = gain == null ? 0 : base(gain), gbb0 = gainBias == null ? 0 : base(gainBias);
        ByteBuffer ab = act == null ? null : bytes(act);
        int a0 = act == null ? 0 : base(act);
        int rowBytes = n * Float.BYTES, gainBytes = gain == null ? 0 : rowStride(gain);
        for (int r = 0; r < rows; r++) {
            int lr = l0 + r * rowBytes, pr = p0 + r * rowBytes, ar = a0 + r * rowBytes;
            int gr = g0 + (gainRow == null ? r : gainRow[r]) * gainBytes;
            if (gb == null) add(lb, lr, bb, b0, pb, pr, n);
            else {
                add(lb, lr, bb, b0, lb, lr, n);
                if (gbb != null && gainRow == null) add(gb, gr, gbb, gbb0, gb, gr, n);
                if (gbb != null && gainRow != null) mulSum(lb, lr, gb, gr, gbb, gbb0, pb, pr, n);
                else mul(lb, lr, gb, gr, pb, pr, n);
            }
            if (ab == null) continue;
            if (activation == RELU) relu(pb, pr, ab, ar, n);
            else if (activation == SOFTPLUS) FloatKernels.softplus(pb, pr, ab, ar, 0, n);
            else copy(pb, pr, ab, ar, n);
        }
    }

    /**
     * A dense layer's backward epilogue before its products, over {@code rows x n}. {@code dAct} holds d(loss)/d(act)
     * and becomes d(loss)/d(pre) = dAct * f'(pre) in place (identity: unchanged, and {@code dAct} may be the caller's
     * gradient). Unconditioned ({@code gain} null): db += the column sums of dPre. Conditioned: dLin = dPre * gain
     * into {@code dLin}, dGain = dPre * lin; db += column sums of dLin; dGain goes into {@code dGain} when
     * {@code gainRow} is null (its product with the features is the caller's), else it is added to row
     * {@code gainRow[r]} of {@code dGainTable} (a per-step table's gradient); {@code dGainBias}, when non-null,
     * += column sums of dGain. {@code sums} is scratch of at least 2n floats.
     */
    public static void backward(INDArray dAct, INDArray pre, int activation, INDArray gain, int[] gainRow, INDArray gainBias,
                                INDArray lin, INDArray dLin, INDArray dGain, INDArray dGainTable, INDArray db, INDArray dGainBias,
                                int rows, int n, float[] sums) {
        java.util.Arrays.fill(sums, 0, 2 * n, 0f);
        ByteBuffer d = bytes(dAct), pb = bytes(pre);
        int d0 = base(dAct), p0 = base(pre);
        boolean conditioned = gain != null, gathered = gainRow != null;
        ByteBuffer gb = conditioned ? bytes(gain) : null, gbb = gainBias == null ? null : bytes(gainBias);
        int g0 = conditioned ? base(gain) : 0, gbb0 = gainBias == null ? 0 : base(gainBias);
        ByteBuffer lb = conditioned ? bytes(lin) : null, ob = conditioned ? bytes(dLin) : null;
        int l0 = conditioned ? base(lin) : 0, o0 = conditioned ? base(dLin) : 0;
        ByteBuffer tb = !conditioned ? null : gathered ? bytes(dGainTable) : bytes(dGain);
        int t0 = !conditioned ? 0 : gathered ? base(dGainTable) : base(dGain);
        int rowBytes = n * Float.BYTES, gainBytes = conditioned ? rowStride(gain) : 0;
        int tBytes = !conditioned ? 0 : gathered ? rowStride(dGainTable) : rowStride(dGain);
        for (int r = 0; r < rows; r++) {
            int dr = d0 + r * rowBytes, pr = p0 + r * rowBytes, lr = l0 + r * rowBytes, or = o0 + r * rowBytes;
            int gr = g0 + (gathered ? gainRow[r] : r) * gainBytes, tr = t0 + (gathered ? gainRow[r] : r) * tBytes;
            if (activation == RELU) reluBackward(d, dr, pb, pr, n);
            else if (activation == SOFTPLUS) FloatKernels.mulSigmoid(pb, pr, d, dr, 0, n); // times softplus' derivative
            if (!conditioned) {
                sum(d, dr, sums, 0, n);
                continue;
            }
            if (gathered && gbb != null) mulSum(d, dr, gb, gr, gbb, gbb0, ob, or, n);
            else mul(d, dr, gb, gr, ob, or, n);
            sum(ob, or, sums, 0, n);
            if (gathered) mulAccumulate(d, dr, lb, lr, tb, tr, gbb != null ? sums : null, n, n);
            else {
                mul(d, dr, lb, lr, tb, tr, n);
                if (gbb != null) sum(tb, tr, sums, n, n);
            }
        }
        addTo(db, sums, 0, n);
        if (gbb != null && dGainBias != null) addTo(dGainBias, sums, n, n);
    }

    // ---- row loops: n floats at byte offsets, vector lanes then a scalar tail of the same operations ------------

    /** z = x + y. */
    private static void add(ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            load(x, xo + c).add(load(y, yo + c)).intoByteBuffer(z, zo + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            z.putFloat(zo + c, x.getFloat(xo + c) + y.getFloat(yo + c));
        }
    }

    /** z = x * y. */
    private static void mul(ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            load(x, xo + c).mul(load(y, yo + c)).intoByteBuffer(z, zo + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            z.putFloat(zo + c, x.getFloat(xo + c) * y.getFloat(yo + c));
        }
    }

    /** z = x * (y + w). */
    private static void mulSum(ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer w, int wo, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            load(x, xo + c).mul(load(y, yo + c).add(load(w, wo + c))).intoByteBuffer(z, zo + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            z.putFloat(zo + c, x.getFloat(xo + c) * (y.getFloat(yo + c) + w.getFloat(wo + c)));
        }
    }

    /** t += x * y, and sums[from + j] += x * y when {@code sums} is non-null. */
    private static void mulAccumulate(ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer t, int to, float[] sums, int from, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            FloatVector p = load(x, xo + c).mul(load(y, yo + c));
            load(t, to + c).add(p).intoByteBuffer(t, to + c, ORDER);
            if (sums != null) FloatVector.fromArray(F, sums, from + i).add(p).intoArray(sums, from + i);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            float p = x.getFloat(xo + c) * y.getFloat(yo + c);
            t.putFloat(to + c, t.getFloat(to + c) + p);
            if (sums != null) sums[from + i] += p;
        }
    }

    /** sums[from + j] += x[j]. */
    private static void sum(ByteBuffer x, int xo, float[] sums, int from, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES)
            FloatVector.fromArray(F, sums, from + i).add(load(x, xo + i * Float.BYTES)).intoArray(sums, from + i);
        for (; i < n; i++) sums[from + i] += x.getFloat(xo + i * Float.BYTES);
    }

    private static void copy(ByteBuffer x, int xo, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) load(x, xo + i * Float.BYTES).intoByteBuffer(z, zo + i * Float.BYTES, ORDER);
        for (; i < n; i++) z.putFloat(zo + i * Float.BYTES, x.getFloat(xo + i * Float.BYTES));
    }

    /** z = relu(x), libnd4j's: x < 0 ? 0 : x. */
    private static void relu(ByteBuffer x, int xo, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            FloatVector v = load(x, xo + c);
            v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoByteBuffer(z, zo + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            z.putFloat(zo + c, relu(x.getFloat(xo + c)));
        }
    }

    /** d = d * (pre > 0 ? 1 : 0), libnd4j's step times the gradient. */
    private static void reluBackward(ByteBuffer d, int dOff, ByteBuffer pre, int po, int n) {
        int bound = F.loopBound(n), i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            VectorMask<Float> on = load(pre, po + c).compare(VectorOperators.GT, 0f);
            load(d, dOff + c).mul(zero.blend(one, on)).intoByteBuffer(d, dOff + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            d.putFloat(dOff + c, d.getFloat(dOff + c) * (pre.getFloat(po + c) > 0f ? 1f : 0f));
        }
    }

    /** to[j] += v[from + j] for j < n ({@code to} packed). */
    private static void addTo(INDArray to, float[] v, int from, int n) {
        ByteBuffer tb = bytes(to);
        int t0 = base(to);
        for (int j = 0; j < n; j++) tb.putFloat(t0 + j * Float.BYTES, tb.getFloat(t0 + j * Float.BYTES) + v[from + j]);
    }

    // ---- the optimiser step and the EMA over a flat parameter vector ----------------------------------------------

    /** Elements per partial sum of {@link #sumOfSquares}: each lane adds this many / LANES squares in float. */
    private static final int SUM_CHUNK = 1024;

    /**
     * The sum of squares of {@code a}'s elements (packed), for the gradient's global norm: float lanes over chunks of
     * {@value #SUM_CHUNK} elements, the chunks' lanes added left to right in double.
     */
    public static double sumOfSquares(INDArray a) {
        ByteBuffer ab = bytes(a);
        int a0 = base(a), n = Math.toIntExact(a.length());
        float[] lanes = new float[LANES];
        double total = 0;
        for (int from = 0; from < n; from += SUM_CHUNK) {
            int to = Math.min(n, from + SUM_CHUNK), bound = from + F.loopBound(to - from), i = from;
            FloatVector acc = FloatVector.zero(F);
            for (; i < bound; i += LANES) {
                FloatVector v = load(ab, a0 + i * Float.BYTES);
                acc = v.mul(v).add(acc);
            }
            total += FloatKernels.sumLanes(acc, lanes);
            for (; i < to; i++) {
                float v = ab.getFloat(a0 + i * Float.BYTES);
                total += v * v;
            }
        }
        return total;
    }

    /**
     * libnd4j's Adam update with the gradient scaled first (clipping) and then zeroed: per element g = grad * scale,
     * m = beta1 m + g (1 - beta1), v = beta2 v + g g (1 - beta2), param -= m stepSize / (sqrt(v) + eps). {@code state}
     * is the updater's view, m in its first half and v in its second.
     */
    public static void adam(INDArray params, INDArray grads, INDArray state, float scale, float beta1, float beta2, float eps,
                            float stepSize) {
        int n = Math.toIntExact(params.length());
        ByteBuffer pb = bytes(params), gb = bytes(grads), sb = bytes(state);
        int p0 = base(params), g0 = base(grads), m0 = base(state), v0 = m0 + n * Float.BYTES;
        float c1 = 1 - beta1, c2 = 1 - beta2;
        int bound = F.loopBound(n), i = 0;
        FloatVector zero = FloatVector.zero(F);
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            FloatVector g = load(gb, g0 + c).mul(scale);
            FloatVector m = load(sb, m0 + c).mul(beta1).add(g.mul(c1));
            FloatVector v = load(sb, v0 + c).mul(beta2).add(g.mul(g).mul(c2));
            m.intoByteBuffer(sb, m0 + c, ORDER);
            v.intoByteBuffer(sb, v0 + c, ORDER);
            load(pb, p0 + c).sub(m.mul(stepSize).div(v.sqrt().add(eps))).intoByteBuffer(pb, p0 + c, ORDER);
            zero.intoByteBuffer(gb, g0 + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            float g = gb.getFloat(g0 + c) * scale;
            float m = sb.getFloat(m0 + c) * beta1 + g * c1, v = sb.getFloat(v0 + c) * beta2 + g * g * c2;
            sb.putFloat(m0 + c, m);
            sb.putFloat(v0 + c, v);
            pb.putFloat(p0 + c, pb.getFloat(p0 + c) - m * stepSize / ((float) Math.sqrt(v) + eps));
            gb.putFloat(g0 + c, 0f);
        }
    }

    /**
     * libnd4j's RMSprop update with the gradient scaled first and then zeroed: g = grad * scale,
     * s = s decay + g g (1 - decay), param -= lr g / (sqrt(s) + eps).
     */
    public static void rmsProp(INDArray params, INDArray grads, INDArray state, float scale, float lr, float decay, float eps) {
        int n = Math.toIntExact(params.length());
        ByteBuffer pb = bytes(params), gb = bytes(grads), sb = bytes(state);
        int p0 = base(params), g0 = base(grads), s0 = base(state);
        float c = 1 - decay;
        int bound = F.loopBound(n), i = 0;
        FloatVector zero = FloatVector.zero(F);
        for (; i < bound; i += LANES) {
            int o = i * Float.BYTES;
            FloatVector g = load(gb, g0 + o).mul(scale);
            FloatVector st = load(sb, s0 + o).mul(decay).add(g.mul(g).mul(c));
            st.intoByteBuffer(sb, s0 + o, ORDER);
            load(pb, p0 + o).sub(g.mul(lr).div(st.sqrt().add(eps))).intoByteBuffer(pb, p0 + o, ORDER);
            zero.intoByteBuffer(gb, g0 + o, ORDER);
        }
        for (; i < n; i++) {
            int o = i * Float.BYTES;
            float g = gb.getFloat(g0 + o) * scale, st = sb.getFloat(s0 + o) * decay + g * g * c;
            sb.putFloat(s0 + o, st);
            pb.putFloat(p0 + o, pb.getFloat(p0 + o) - lr * g / ((float) Math.sqrt(st) + eps));
            gb.putFloat(g0 + o, 0f);
        }
    }

    /** shadow = (shadow - params) mu + params, the EMA as three libnd4j ops compute it, in one pass. */
    public static void ema(INDArray shadow, INDArray params, float mu) {
        int n = Math.toIntExact(params.length());
        ByteBuffer sb = bytes(shadow), pb = bytes(params);
        int s0 = base(shadow), p0 = base(params);
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) {
            int o = i * Float.BYTES;
            FloatVector p = load(pb, p0 + o);
            load(sb, s0 + o).sub(p).mul(mu).add(p).intoByteBuffer(sb, s0 + o, ORDER);
        }
        for (; i < n; i++) {
            int o = i * Float.BYTES;
            float p = pb.getFloat(p0 + o);
            sb.putFloat(s0 + o, (sb.getFloat(s0 + o) - p) * mu + p);
        }
    }

    /**
     * The mean-squared-error step of noise prediction: grad = (out - target) * scale, elements packed, as libnd4j's
     * subtract then scalar multiply; returns the sum of (out - target)^2 (in double, in element order).
     */
    public static double squaredErrorGradient(INDArray out, INDArray target, INDArray grad, float scale) {
        int n = Math.toIntExact(out.length());
        ByteBuffer ob = bytes(out), tb = bytes(target), gb = bytes(grad);
        int o0 = base(out), t0 = base(target), g0 = base(grad);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float d = ob.getFloat(o0 + i * Float.BYTES) - tb.getFloat(t0 + i * Float.BYTES);
            sum += (double) d * d;
            gb.putFloat(g0 + i * Float.BYTES, d * scale);
        }
        return sum;
    }

    /** Copies {@code values} into {@code a} (float, packed): a host batch into a kept device array, no libnd4j call. */
    public static void put(INDArray a, float[] values) {
        bytes(a).asFloatBuffer().put(Math.toIntExact(a.offset()), values, 0, Math.toIntExact(a.length()));
    }

    // ---- products with a small side (the 2-D input layer, the 1- or 2-wide output layer) ----------------------------
    // A BLAS call for a 128 x 2 x 128 product costs tens of microseconds, nearly all overhead; these are single passes.

    /** {@code a}'s k x n elements (packed) as a host array, transposed when {@code transpose} (then n x k). */
    public static void copyOut(INDArray a, int k, int n, boolean transpose, float[] to) {
        ByteBuffer ab = bytes(a);
        int a0 = base(a);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++) to[transpose ? j * k + i : i * n + j] = ab.getFloat(a0 + (i * n + j) * Float.BYTES);
    }

    /**
     * out[r, :] = sum over j < k of in[r, j] w[j, :], in order, for a product with few inner terms: {@code in} is
     * rows x k, {@code w} k x n (row-major host array), {@code out} rows x n (packed).
     */
    public static void productFewInner(INDArray in, int k, float[] w, INDArray out, int rows, int n) {
        ByteBuffer ib = bytes(in), ob = bytes(out);
        int i0 = base(in), o0 = base(out);
        for (int r = 0; r < rows; r++) {
            int ir = i0 + r * k * Float.BYTES, or = o0 + r * n * Float.BYTES;
            scaled(w, 0, ib.getFloat(ir), ob, or, n);
            for (int j = 1; j < k; j++) fmaInto(w, j * n, ib.getFloat(ir + j * Float.BYTES), ob, or, n);
        }
    }

    /** z = w[from..] * a. */
    private static void scaled(float[] w, int from, float a, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        for (; i < bound; i += LANES) FloatVector.fromArray(F, w, from + i).mul(a).intoByteBuffer(z, zo + i * Float.BYTES, ORDER);
        for (; i < n; i++) z.putFloat(zo + i * Float.BYTES, w[from + i] * a);
    }

    /** z = fma(w[from..], a, z). */
    private static void fmaInto(float[] w, int from, float a, ByteBuffer z, int zo, int n) {
        int bound = F.loopBound(n), i = 0;
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < bound; i += LANES) {
            int c = zo + i * Float.BYTES;
            FloatVector.fromArray(F, w, from + i).fma(av, load(z, c)).intoByteBuffer(z, c, ORDER);
        }
        for (; i < n; i++) z.putFloat(zo + i * Float.BYTES, Math.fma(w[from + i], a, z.getFloat(zo + i * Float.BYTES)));
    }

    /**
     * w's gradient for {@link #productFewInner}: dw[j, :] += sum over rows of in[r, j] d[r, :], rows in order;
     * {@code acc} is scratch of k n floats.
     */
    public static void accumulateFewInner(INDArray in, int k, INDArray d, INDArray dw, int rows, int n, float[] acc) {
        java.util.Arrays.fill(acc, 0, k * n, 0f);
        ByteBuffer ib = bytes(in), db = bytes(d);
        int i0 = base(in), d0 = base(d);
        for (int r = 0; r < rows; r++) {
            int ir = i0 + r * k * Float.BYTES, dr = d0 + r * n * Float.BYTES;
            for (int j = 0; j < k; j++) fmaAccumulate(db, dr, ib.getFloat(ir + j * Float.BYTES), acc, j * n, n);
        }
        addTo(dw, acc, 0, k * n);
    }

    /** acc[from..] = fma(x, a, acc[from..]). */
    private static void fmaAccumulate(ByteBuffer x, int xo, float a, float[] acc, int from, int n) {
        int bound = F.loopBound(n), i = 0;
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < bound; i += LANES)
            load(x, xo + i * Float.BYTES).fma(av, FloatVector.fromArray(F, acc, from + i)).intoArray(acc, from + i);
        for (; i < n; i++) acc[from + i] = Math.fma(x.getFloat(xo + i * Float.BYTES), a, acc[from + i]);
    }

    /**
     * out[r, j] = in[r, :] . w[:, j] for a product with few columns: {@code in} rows x k (packed), {@code wT} the
     * m x k transpose of w (host array), {@code out} rows x m (packed). Lanes accumulate by fused multiply-add and
     * are summed left to right in double.
     */
    public static void productFewColumns(INDArray in, float[] wT, INDArray out, int rows, int k, int m) {
        ByteBuffer ib = bytes(in), ob = bytes(out);
        int i0 = base(in), o0 = base(out);
        int bound = F.loopBound(k);
        float[] lanes = new float[LANES];
        for (int r = 0; r < rows; r++) {
            int ir = i0 + r * k * Float.BYTES;
            for (int j = 0; j < m; j++) {
                FloatVector acc = FloatVector.zero(F);
                int c = 0;
                for (; c < bound; c += LANES) acc = load(ib, ir + c * Float.BYTES).fma(FloatVector.fromArray(F, wT, j * k + c), acc);
                double sum = FloatKernels.sumLanes(acc, lanes);
                for (; c < k; c++) sum += ib.getFloat(ir + c * Float.BYTES) * wT[j * k + c];
                ob.putFloat(o0 + (r * m + j) * Float.BYTES, (float) sum);
            }
        }
    }

    /**
     * w's gradient for {@link #productFewColumns}: dw[:, j] += sum over rows of in[r, :] d[r, j], rows in order
     * ({@code dw} k x m packed); {@code acc} is scratch of m k floats.
     */
    public static void accumulateFewColumns(INDArray in, INDArray d, INDArray dw, int rows, int k, int m, float[] acc) {
        java.util.Arrays.fill(acc, 0, m * k, 0f);
        ByteBuffer ib = bytes(in), db = bytes(d), wb = bytes(dw);
        int i0 = base(in), d0 = base(d), w0 = base(dw);
        int bound = F.loopBound(k);
        for (int r = 0; r < rows; r++) {
            int ir = i0 + r * k * Float.BYTES;
            for (int j = 0; j < m; j++) fmaAccumulate(ib, ir, db.getFloat(d0 + (r * m + j) * Float.BYTES), acc, j * k, k);
        }
        for (int c = 0; c < k; c++)
            for (int j = 0; j < m; j++) {
                int at = w0 + (c * m + j) * Float.BYTES;
                wb.putFloat(at, wb.getFloat(at) + acc[j * k + c]);
            }
    }

    /**
     * One sampler step in place: x = (x a + eps b) + z s, the order in which the op-by-op path computes it (z is
     * host noise, null for a noise-free step). {@code x} and {@code eps} packed, same length.
     */
    public static void samplerStep(INDArray x, INDArray eps, float a, float b, float[] z, float s) {
        int n = Math.toIntExact(x.length());
        ByteBuffer xb = bytes(x), eb = bytes(eps);
        int x0 = base(x), e0 = base(eps);
        int bound = F.loopBound(n), i = 0;
        if (z == null) {
            for (; i < bound; i += LANES) {
                int c = i * Float.BYTES;
                load(xb, x0 + c).mul(a).add(load(eb, e0 + c).mul(b)).intoByteBuffer(xb, x0 + c, ORDER);
            }
            for (; i < n; i++) {
                int c = i * Float.BYTES;
                xb.putFloat(x0 + c, xb.getFloat(x0 + c) * a + eb.getFloat(e0 + c) * b);
            }
            return;
        }
        for (; i < bound; i += LANES) {
            int c = i * Float.BYTES;
            load(xb, x0 + c).mul(a).add(load(eb, e0 + c).mul(b)).add(FloatVector.fromArray(F, z, i).mul(s)).intoByteBuffer(xb, x0 + c, ORDER);
        }
        for (; i < n; i++) {
            int c = i * Float.BYTES;
            xb.putFloat(x0 + c, (xb.getFloat(x0 + c) * a + eb.getFloat(e0 + c) * b) + z[i] * s);
        }
    }
}
