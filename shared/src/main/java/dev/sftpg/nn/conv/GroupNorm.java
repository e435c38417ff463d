package dev.sftpg.nn.conv;

import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Group normalisation (Wu and He, 2018) over NCHW: each sample's channels fall into groups standardised together,
 * then a per-channel gain and bias. libnd4j has no group-norm op, so it is the [B, G, C/G*H*W] view of the input
 * with reductions along its last axis and broadcast ops into kept buffers; the backward pass is the closed form of a
 * standardisation's gradient.
 */
final class GroupNorm implements Layer {
    private static final double EPS = 1e-5;
    private final String name;
    private final int channels, groups;
    private final Scratch scratch = new Scratch();
    private INDArray gain, bias, dGain, dBias;
    private INDArray normalised, invStd;
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

    private INDArray grouped(INDArray a) {
        return a.reshape('c', shape[0], groups, a.length() / (shape[0] * groups));
    }

    @Override
    public INDArray forward(INDArray x) {
        shape = x.shape();
        long n = x.length() / (shape[0] * groups);
        normalised = scratch.like("normalised", x);
        INDArray g = grouped(normalised);
        Nd4j.exec(new BroadcastSubOp(grouped(x), grouped(x).mean(2), g, 0, 1));
        // var = |x - mean|^2 / n, taken from the norm so no squared copy is made
        invStd = Transforms.pow(Transforms.pow(g.norm2(2), 2, false).divi(n).addi(EPS), -0.5, false);
        Nd4j.exec(new BroadcastMulOp(g, invStd, g, 0, 1));
        INDArray y = scratch.like("y", x);
        Nd4j.exec(new BroadcastMulOp(normalised, gain, y, 1));
        Nd4j.exec(new BroadcastAddOp(y, bias, y, 1));
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        dBias.addi(dy.sum(0, 2, 3));
        INDArray tmp = scratch.like("tmp", dy);
        dy.mul(normalised, tmp);
        dGain.addi(tmp.sum(0, 2, 3));
        // dx = invStd * (dn - mean(dn) - n * mean(dn * n)), dn = dy * gain, means over a group
        INDArray dx = scratch.like("dx", dy);
        Nd4j.exec(new BroadcastMulOp(dy, gain, dx, 1));
        INDArray dn = grouped(dx), n = grouped(normalised), t = grouped(tmp);
        INDArray meanDn = dn.mean(2);
        dn.mul(n, t);
        INDArray meanDnN = t.mean(2);
        Nd4j.exec(new BroadcastSubOp(dn, meanDn, dn, 0, 1));
        Nd4j.exec(new BroadcastMulOp(n, meanDnN, t, 0, 1));
        dn.subi(t);
        Nd4j.exec(new BroadcastMulOp(dn, invStd, dn, 0, 1));
        return dx;
    }
}
