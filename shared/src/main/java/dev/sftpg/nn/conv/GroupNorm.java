package dev.sftpg.nn.conv;

import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Group normalisation (Wu and He, 2018) over NCHW: each sample's channels fall into groups standardised together,
 * then a per-channel gain and bias. libnd4j has no group-norm op, and its reductions along an axis and its
 * broadcasts along a rank-1 vector run several times slower than a pass over memory, so every sum here is a
 * matrix-vector product with a vector of ones (rows of the [B*G, n] or [B*C, H*W] view of a c-ordered batch) and
 * every broadcast is along an [rows, 1] column. What depends on the sample, group and channel only (the inverse
 * standard deviations, the gain and bias per row, the backward pass's coefficients) is computed on the host in
 * double. The variance is taken from the centred input (two passes), and the backward pass is the closed form of
 * a standardisation's gradient written as dx = dy a + (x - mean) b + c with a, b, c per row.
 */
final class GroupNorm implements Layer {
    private static final double EPS = 1e-5;
    private final String name;
    private final int channels, groups;
    private final Scratch scratch = new Scratch();
    private INDArray gain, bias, dGain, dBias;
    private INDArray centred;
    private double[] invStd;
    private long[] shape;

    GroupNorm(ParameterStore.Builder params, String name, int channels, int groups) {
        if (channels % groups != 0)
            throw new IllegalArgumentException(name + ": " + channels + " channels do not split into " + groups + " groups");
        this.name = name;
        this.channels = channels;
        this.groups = groups;
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
        shape = x.shape();
        DataType dt = x.dataType();
        int batch = (int) shape[0], rows = batch * groups;
        long n = x.length() / rows, hw = n * groups / channels;
        INDArray xg = x.reshape('c', rows, n);
        INDArray ones = scratch.ones("onesN", dt, n);
        // mean per (sample, group), then the centred input and its squares' sums
        INDArray mean = xg.mmuli(ones, scratch.get("mean", dt, rows, 1)).divi(n);
        centred = scratch.like("centred", x);
        INDArray cg = centred.reshape('c', rows, n);
        Nd4j.exec(new BroadcastSubOp(xg, mean, cg, 0));
        INDArray sq = scratch.like("tmp", x).reshape('c', rows, n);
        cg.mul(cg, sq);
        double[] sumSq = sq.mmuli(ones, scratch.get("sumSq", dt, rows, 1)).data().asDouble();
        invStd = new double[rows];
        for (int r = 0; r < rows; r++) invStd[r] = 1 / Math.sqrt(sumSq[r] / n + EPS);
        // y = centred * (gain * invStd) + bias, per (sample, channel) row
        double[] g = gain.toDoubleVector(), b = bias.toDoubleVector();
        double[] scale = new double[batch * channels], shift = new double[batch * channels];
        int perGroup = channels / groups;
        for (int s = 0; s < batch; s++)
            for (int c = 0; c < channels; c++) {
                scale[s * channels + c] = g[c] * invStd[s * groups + c / perGroup];
                shift[s * channels + c] = b[c];
            }
        INDArray y = scratch.like("y", x);
        INDArray y2 = y.reshape('c', (long) batch * channels, hw);
        Nd4j.exec(new BroadcastMulOp(centred.reshape('c', (long) batch * channels, hw), column("scale", dt, scale), y2, 0));
        y2.addiColumnVector(column("shift", dt, shift));
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        dy = Scratch.contiguous(dy);
        DataType dt = dy.dataType();
        int batch = (int) shape[0], rows = batch * groups, bc = batch * channels, perGroup = channels / groups;
        long n = dy.length() / rows, hw = n / perGroup;
        INDArray ones = scratch.ones("onesHW", dt, hw);
        INDArray dy2 = dy.reshape('c', bc, hw), c2 = centred.reshape('c', bc, hw);
        // per (sample, channel): sum of dy and of dy * (x - mean)
        double[] s1 = dy2.mmuli(ones, scratch.get("s1", dt, bc, 1)).data().asDouble();
        INDArray tmp = scratch.like("tmp", dy), tmp2 = tmp.reshape('c', bc, hw);
        dy2.mul(c2, tmp2);
        double[] s2 = tmp2.mmuli(ones, scratch.get("s2", dt, bc, 1)).data().asDouble();
        // dx = invStd * (dn - mean(dn) - xhat * mean(dn * xhat)) with dn = dy * gain, xhat = (x - mean) * invStd
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
        Nd4j.exec(new BroadcastMulOp(dy2, column("a", dt, a), dx.reshape('c', bc, hw), 0));
        INDArray tg = tmp.reshape('c', rows, n);
        Nd4j.exec(new BroadcastMulOp(centred.reshape('c', rows, n), column("b", dt, b), tg, 0));
        tg.addiColumnVector(column("c", dt, c));
        return dx.addi(tmp);
    }

    /** A kept [values, 1] column holding {@code values}. */
    private INDArray column(String key, DataType dt, double[] values) {
        INDArray col = scratch.get(key, dt, values.length, 1);
        col.data().setData(values);
        return col;
    }
}
