package dev.sftpg.nn.conv;

import dev.sftpg.nn.simd.FloatKernels;
import dev.sftpg.nn.simd.Simd;
import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Group normalisation (Wu and He, 2018) over NCHW: each sample's channels fall into groups standardised together,
 * then a per-channel gain and bias. libnd4j has no group-norm op. On float arrays, when the Vector API is there
 * ({@link Simd}), the statistics, the affine map and the backward pass are fused loops ({@link FloatKernels}): two
 * reads for the moments, one pass for y; one read for the backward pass's sums and one pass for dx. Otherwise they
 * are libnd4j ops, whose reductions along an axis and broadcasts along a rank-1 vector run several times slower
 * than a pass over memory: every sum is then a matrix-vector product with a vector of ones (rows of the [B*G, n]
 * or [B*C, H*W] view of a c-ordered batch) and every broadcast is along an [rows, 1] column. What depends on the
 * sample, group and channel only (the moments' inverse square root, the gain and bias per row, the backward
 * pass's coefficients) is computed on the host in double. The variance is taken from the centred input (two
 * passes), and the backward pass is the closed form of a standardisation's gradient written as
 * dx = dy a + (x - mean) b + c with a, b, c per row.
 * <p>
 * Built {@linkplain #withSilu with SiLU after it} (every GroupNorm of the UNet is followed by one), the fused path
 * writes SiLU's output and sigmoid in the affine map's pass and recomputes y in the backward pass's first read,
 * two passes over the activations fewer each way, with the same bits as the two layers apart.
 */
final class GroupNorm implements Layer {
    private static final double EPS = 1e-5;
    private final String name;
    private final int channels, groups;
    private final Scratch scratch = new Scratch();
    private INDArray gain, bias, dGain, dBias;
    private INDArray input, centred;
    private double[] mean, invStd;
    private boolean simd;
    private long[] shape;
    /** SiLU after the affine map (null: none): the layer itself where the loops are not fused. */
    private final Silu silu;
    private INDArray sigmoid;
    private float[] rowScale, rowShift;

    GroupNorm(ParameterStore.Builder params, String name, int channels, int groups) {
        this(params, name, channels, groups, false);
    }

    /** GroupNorm then SiLU, one layer. */
    static GroupNorm withSilu(ParameterStore.Builder params, String name, int channels, int groups) {
        return new GroupNorm(params, name, channels, groups, true);
    }

    private GroupNorm(ParameterStore.Builder params, String name, int channels, int groups, boolean withSilu) {
        if (channels % groups != 0)
            throw new IllegalArgumentException(name + ": " + channels + " channels do not split into " + groups + " groups");
        this.name = name;
        this.channels = channels;
        this.groups = groups;
        this.silu = withSilu ? new Silu() : null;
        params.add(name + ".gain", new long[]{channels}, Init.constant(1.0));
        params.add(name + ".bias", new long[]{channels}, Init.zeros());
    }

    /**
     * The largest group count up to 8 that leaves at least 4 channels in every group. A group of one channel would
     * cancel any per-channel shift before it, the time embedding's included.
     */
    static int groupsFor(int channels) {
        for (int g = Math.min(8, channels / 4); g > 1; g--) if (channels % g == 0) return g;
        return 1;
    }

    @Override
    public void bind(ParameterStore store) {
        gain = store.param(name + ".gain");
        bias = store.param(name + ".bias");
        dGain = store.grad(name + ".gain");
        dBias = store.grad(name + ".bias");
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.size(1) != channels) throw new IllegalArgumentException(name + " expects " + channels + " channels, got " + x.size(1));
        x = Scratch.contiguous(x);
        input = x;
        shape = x.shape();
        DataType dt = x.dataType();
        int batch = (int) shape[0], rows = batch * groups, bc = batch * channels, perGroup = channels / groups;
        int n = Math.toIntExact(x.length() / rows), hw = n / perGroup;
        mean = new double[rows];
        invStd = new double[rows];
        simd = Simd.AVAILABLE && FloatKernels.fits(x);
        if (simd) FloatKernels.moments(x, rows, n, EPS, mean, invStd);
        else moments(x, rows, n);
        // y = (x - mean) * gain * invStd + bias, per (sample, channel) row: x * scale + shift
        double[] g = gain.toDoubleVector(), b = bias.toDoubleVector();
        double[] scale = new double[bc], shift = new double[bc];
        for (int s = 0; s < batch; s++)
            for (int c = 0; c < channels; c++) {
                int r = s * groups + c / perGroup, i = s * channels + c;
                scale[i] = g[c] * invStd[r];
                shift[i] = b[c] - mean[r] * scale[i];
            }
        INDArray y = scratch.like("y", x);
        if (simd && silu != null) {
            rowScale = floats(scale);
            rowShift = floats(shift);
            sigmoid = scratch.like("sigmoid", x);
            FloatKernels.affineSilu(x, y, sigmoid, bc, hw, rowScale, rowShift);
            return y;
        }
        if (simd) {
            FloatKernels.affine(x, y, bc, hw, floats(scale), floats(shift));
        } else {
            INDArray y2 = y.reshape('c', bc, hw);
            Nd4j.exec(new BroadcastMulOp(x.reshape('c', bc, hw), column("scale", dt, scale), y2, 0));
            y2.addiColumnVector(column("shift", dt, shift));
        }
        return silu == null ? y : silu.forward(y);
    }

    /** Mean and inverse standard deviation per row of the [rows, n] view, in libnd4j ops; keeps the centred input. */
    private void moments(INDArray x, int rows, int n) {
        DataType dt = x.dataType();
        INDArray xg = x.reshape('c', rows, n);
        INDArray ones = scratch.ones("onesN", dt, n);
        INDArray m = xg.mmuli(ones, scratch.get("mean", dt, rows, 1)).divi(n);
        centred = scratch.like("centred", x);
        INDArray cg = centred.reshape('c', rows, n);
        Nd4j.exec(new BroadcastSubOp(xg, m, cg, 0));
        INDArray sq = scratch.like("tmp", x).reshape('c', rows, n);
        cg.mul(cg, sq);
        double[] means = m.data().asDouble(), sumSq = sq.mmuli(ones, scratch.get("sumSq", dt, rows, 1)).data().asDouble();
        for (int r = 0; r < rows; r++) {
            mean[r] = means[r];
            invStd[r] = 1 / Math.sqrt(sumSq[r] / n + EPS);
        }
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (silu != null && !simd) dy = silu.backward(dy);
        dy = Scratch.contiguous(dy);
        DataType dt = dy.dataType();
        int batch = (int) shape[0], rows = batch * groups, bc = batch * channels, perGroup = channels / groups;
        int n = Math.toIntExact(dy.length() / rows), hw = n / perGroup;
        boolean fused = simd; // dy has x's type and, made contiguous, its layout
        // per (sample, channel): sum of dy and of dy * (x - mean)
        double[] s1, s2;
        if (fused) {
            s1 = new double[bc];
            s2 = new double[bc];
            float[] centre = new float[bc];
            for (int i = 0; i < bc; i++) centre[i] = (float) mean[(i / channels) * groups + (i % channels) / perGroup];
            if (silu != null) { // dy is SiLU's output gradient: the gradient at y replaces it
                INDArray g = scratch.like("dy", dy);
                FloatKernels.siluBackwardRowSums(dy, input, sigmoid, g, bc, hw, rowScale, rowShift, centre, s1, s2);
                dy = g;
            } else {
                FloatKernels.rowSums(dy, input, bc, hw, centre, s1, s2);
            }
        } else {
            INDArray c2 = centred.reshape('c', bc, hw), dy2 = dy.reshape('c', bc, hw);
            INDArray ones = scratch.ones("onesHW", dt, hw);
            s1 = dy2.mmuli(ones, scratch.get("s1", dt, bc, 1)).data().asDouble();
            INDArray tmp2 = scratch.like("tmp", dy).reshape('c', bc, hw);
            dy2.mul(c2, tmp2);
            s2 = tmp2.mmuli(ones, scratch.get("s2", dt, bc, 1)).data().asDouble();
        }
        // dx = invStd * (dn - mean(dn) - xhat * mean(dn * xhat)) with dn = dy * gain, xhat = (x - mean) * invStd,
        // that is dx = dy * a + (x - mean) * b + c
        double[] g = gain.toDoubleVector();
        double[] dG = new double[channels], dB = new double[channels], a = new double[bc];
        double[] m1 = new double[rows], m2 = new double[rows];
        for (int s = 0; s < batch; s++)
            for (int c = 0; c < channels; c++) {
                int r = s * groups + c / perGroup, i = s * channels + c;
                dB[c] += s1[i];
                dG[c] += s2[i] * invStd[r];
                m1[r] += g[c] * s1[i];
                m2[r] += g[c] * s2[i] * invStd[r];
                a[i] = g[c] * invStd[r];
            }
        double[] b = new double[rows], c = new double[rows];
        for (int r = 0; r < rows; r++) {
            b[r] = -invStd[r] * invStd[r] * m2[r] / n;
            c[r] = -invStd[r] * m1[r] / n;
        }
        dBias.addi(Nd4j.create(dB, new long[]{channels}, dBias.dataType()));
        dGain.addi(Nd4j.create(dG, new long[]{channels}, dGain.dataType()));
        INDArray dx = scratch.like("dx", dy);
        if (fused) {
            // per (sample, channel) row: dx = dy * a + x * b + (c - mean * b)
            float[] bRow = new float[bc], cRow = new float[bc];
            for (int i = 0; i < bc; i++) {
                int r = (i / channels) * groups + (i % channels) / perGroup;
                bRow[i] = (float) b[r];
                cRow[i] = (float) (c[r] - mean[r] * b[r]);
            }
            FloatKernels.combine(dy, input, dx, bc, hw, floats(a), bRow, cRow);
        } else {
            INDArray tmp = scratch.like("tmp", dy);
            Nd4j.exec(new BroadcastMulOp(dy.reshape('c', bc, hw), column("a", dt, a), dx.reshape('c', bc, hw), 0));
            INDArray tg = tmp.reshape('c', rows, n);
            Nd4j.exec(new BroadcastMulOp(centred.reshape('c', rows, n), column("b", dt, b), tg, 0));
            tg.addiColumnVector(column("c", dt, c));
            dx.addi(tmp);
        }
        input = null;
        return dx;
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    /** A kept [values, 1] column holding {@code values}. */
    private INDArray column(String key, DataType dt, double[] values) {
        INDArray col = scratch.get(key, dt, values.length, 1);
        col.data().setData(values);
        return col;
    }
}
