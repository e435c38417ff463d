package dev.sftpg.nn.conv;

import dev.sftpg.nn.simd.FloatKernels;
import dev.sftpg.nn.simd.Simd;
import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;
import java.util.function.BiConsumer;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * A square 2-D convolution over NCHW batches with bias, through libnd4j's {@code conv2d} / {@code conv2d_bp}
 * (oneDNN-accelerated in the default build). Weights are stored [out, in, k, k] as in PyTorch and initialised
 * like {@code nn.Conv2d}, so a checkpoint reads the same way in both.
 * <p>
 * Three cases take another route, where oneDNN's convolution kernels are slow for the shape: a 1x1 convolution is
 * a batched matrix product ([out, in] times each sample's [in, H*W]), two to three times faster both ways; a
 * convolution to few channels (the last layer, to the image's) is a 1x1 product to one plane per output channel
 * and kernel tap, which are then added shifted ("taps"), its gradients the same steps reversed; and a layer whose
 * input needs no gradient (the stem, on the images) skips {@code conv2d_bp}, whose input gradient over one or three
 * channels costs ten times the weight gradient, and takes the weight gradient from the unfolded input
 * ({@code im2col}) times the output gradient.
 */
public final class Conv2d implements Layer {
    private final String name;
    private final int in, out, kernel, stride, pad;
    private final boolean inputGradient;
    private final Scratch scratch = new Scratch();
    private INDArray w, b, dw, db;
    private INDArray input;

    public Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride) {
        this(params, name, in, out, kernel, stride, true);
    }

    /** With {@code inputGradient} false, {@link #backward} adds the parameter gradients only and returns null. */
    public Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride, boolean inputGradient) {
        this(params, name, in, out, kernel, stride, inputGradient, Init.torchLinearDefault((long) in * kernel * kernel));
    }

    public Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride, boolean inputGradient,
           BiConsumer<INDArray, Random> weightInit) {
        this(params, name, in, out, kernel, stride, kernel / 2, inputGradient, weightInit);
    }

    /** With explicit zero padding {@code pad} on every side (PyTorch's {@code padding}). */
    public Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride, int pad, boolean inputGradient,
           BiConsumer<INDArray, Random> weightInit) {
        if (pad < 0 || pad >= kernel) throw new IllegalArgumentException(name + ": padding " + pad + " for a " + kernel + "x" + kernel + " kernel");
        this.name = name;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        this.inputGradient = inputGradient;
        params.add(name + ".w", new long[]{out, in, kernel, kernel}, weightInit);
        params.add(name + ".b", new long[]{out}, Init.torchLinearDefault((long) in * kernel * kernel));
    }

    @Override
    public void bind(ParameterStore store) {
        w = store.param(name + ".w");
        b = store.param(name + ".b");
        dw = store.grad(name + ".w");
        db = store.grad(name + ".b");
    }

    /**
     * The output side for an input side of {@code size}; with the default padding k/2 an odd kernel keeps it at stride 1
     * and halves it (rounding up) at 2.
     */
    public long outSize(long size) {
        return (size + 2L * pad - kernel) / stride + 1;
    }

    private boolean pointwise() {
        return kernel == 1 && stride == 1 && pad == 0;
    }

    /**
     * Few outputs: the tap planes (out * k * k per sample) take at most twice the input's memory. The shifted sums
     * keep the input's size, so only an odd kernel with padding k/2 qualifies.
     */
    private boolean taps() {
        return stride == 1 && kernel > 1 && kernel % 2 == 1 && pad == kernel / 2 && inputGradient && (long) out * kernel * kernel <= 2L * in;
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.size(1) != in) throw new IllegalArgumentException(name + " expects " + in + " channels, got " + x.size(1));
        DataType dt = x.dataType();
        long batch = x.size(0);
        INDArray y = scratch.get("y", dt, batch, out, outSize(x.size(2)), outSize(x.size(3)));
        if (pointwise()) {
            x = Scratch.contiguous(x);
            long hw = x.size(2) * x.size(3);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(tiledWeights(dt, batch), x.reshape('c', batch, in, hw))
                    .addOutputs(y.reshape('c', batch, out, hw)).build());
            y.reshape('c', batch * out, hw).addiColumnVector(tiled("bTiled", b, dt, batch).reshape('c', batch * out, 1));
        } else if (taps()) {
            x = Scratch.contiguous(x);
            long h = x.size(2), wd = x.size(3), t = (long) out * kernel * kernel;
            INDArray planes = scratch.get("planes", dt, batch, t, h, wd);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(tapWeights(dt, batch), x.reshape('c', batch, in, h * wd))
                    .addOutputs(planes.reshape('c', batch, t, h * wd)).build());
            y.assign(0).reshape('c', batch * out, h * wd).addiColumnVector(tiled("bTiled", b, dt, batch).reshape('c', batch * out, 1));
            if (Simd.AVAILABLE && FloatKernels.fits(planes)) {
                FloatKernels.shiftAdd(planes, y, (int) batch, out, kernel, pad, (int) h, (int) wd);
            } else {
                for (int o = 0; o < out; o++)
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                            window(y, o, ky - pad, kx - pad, false).addi(window(planes, (o * kernel + ky) * kernel + kx, ky - pad, kx - pad, true));
            }
        } else {
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w, b).addOutputs(y).addIntegerArguments(args()).build());
        }
        input = x;
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        DataType dt = dy.dataType();
        long batch = dy.size(0), hw = dy.size(2) * dy.size(3);
        INDArray dx = null;
        if (pointwise() || !inputGradient) {
            dy = Scratch.contiguous(dy);
            INDArray dy3 = dy.reshape('c', batch, out, hw);
            // the weight gradient per sample, dy [out, H*W] times the (unfolded) input's transpose, then summed
            INDArray cols = pointwise() ? input.reshape('c', batch, in, hw) : unfolded(dt);
            long fan = (long) in * kernel * kernel;
            INDArray dwSample = scratch.get("dwSample", dt, batch, out, fan);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(dy3, cols).addOutputs(dwSample).addIntegerArguments(0, 1).build());
            INDArray onesB = scratch.ones("onesB", dt, batch).reshape('c', 1, batch);
            dw.addi(onesB.mmuli(dwSample.reshape('c', batch, out * fan), scratch.get("dwSum", dt, 1, out * fan))
                    .reshape('c', out, in, kernel, kernel));
            INDArray perRow = dy.reshape('c', batch * out, hw).mmuli(scratch.ones("onesHW", dt, hw), scratch.get("dbRows", dt, batch * out, 1));
            db.addi(onesB.mmuli(perRow.reshape('c', batch, out), scratch.get("dbSum", dt, 1, out)).reshape((long) out));
            if (inputGradient) {
                dx = scratch.like("dx", input);
                Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(tiledWeights(dt, batch), dy3)
                        .addOutputs(dx.reshape('c', batch, in, hw)).addIntegerArguments(1, 0).build());
            }
        } else if (taps()) {
            // the tap planes' gradient is dy shifted back; then the 1x1 product's gradients
            dy = Scratch.contiguous(dy);
            long t = (long) out * kernel * kernel;
            INDArray dPlanes = scratch.get("dPlanes", dt, batch, t, dy.size(2), dy.size(3));
            if (Simd.AVAILABLE && FloatKernels.fits(dPlanes)) {
                FloatKernels.shiftGather(dy, dPlanes, (int) batch, out, kernel, pad, (int) dy.size(2), (int) dy.size(3));
            } else {
                dPlanes.assign(0);
                for (int o = 0; o < out; o++)
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                            window(dPlanes, (o * kernel + ky) * kernel + kx, ky - pad, kx - pad, true).assign(window(dy, o, ky - pad, kx - pad, false));
            }
            INDArray dp3 = dPlanes.reshape('c', batch, t, hw), x3 = input.reshape('c', batch, in, hw);
            INDArray dwSample = scratch.get("dwSample", dt, batch, t, in);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(dp3, x3).addOutputs(dwSample).addIntegerArguments(0, 1).build());
            INDArray onesB = scratch.ones("onesB", dt, batch).reshape('c', 1, batch);
            INDArray dwTaps = onesB.mmuli(dwSample.reshape('c', batch, t * in), scratch.get("dwSum", dt, 1, t * in));
            dw.addi(dwTaps.reshape('c', out, kernel, kernel, in).permute(0, 3, 1, 2));
            INDArray perRow = dy.reshape('c', batch * out, hw).mmuli(scratch.ones("onesHW", dt, hw), scratch.get("dbRows", dt, batch * out, 1));
            db.addi(onesB.mmuli(perRow.reshape('c', batch, out), scratch.get("dbSum", dt, 1, out)).reshape((long) out));
            dx = scratch.like("dx", input);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(tapWeights(dt, batch), dp3)
                    .addOutputs(dx.reshape('c', batch, in, hw)).addIntegerArguments(1, 0).build());
        } else {
            dx = scratch.like("dx", input);
            INDArray dwStep = scratch.like("dw", dw);
            INDArray dbStep = scratch.like("db", db);
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(input, w, b, dy).addOutputs(dx, dwStep, dbStep)
                    .addIntegerArguments(args()).build());
            dw.addi(dwStep);
            db.addi(dbStep);
        }
        input = null;
        return dx;
    }

    /** The 1x1 weights [out, in] repeated for every sample, [B, out, in]: libnd4j's matmul batches only equal ranks. */
    private INDArray tiledWeights(DataType dt, long batch) {
        return tiled("wTiled", w.reshape('c', out, in), dt, batch);
    }

    /** The weights as [out * k * k, in], row (o, ky, kx), repeated for every sample: [B, out * k * k, in]. */
    private INDArray tapWeights(DataType dt, long batch) {
        INDArray rows = scratch.get("wTaps", dt, (long) out * kernel * kernel, in);
        rows.reshape('c', out, kernel, kernel, in).assign(w.permute(0, 2, 3, 1));
        return tiled("wTapsTiled", rows, dt, batch);
    }

    /**
     * Channel {@code c} of a [B, C, H, W] array over the pixels whose neighbour at (dy, dx) lies inside the image,
     * or, with {@code source}, over those neighbours.
     */
    private static INDArray window(INDArray a, long c, int dy, int dx, boolean source) {
        long h = a.size(2), wd = a.size(3);
        long y0 = Math.max(0, -dy), y1 = Math.min(h, h - dy), x0 = Math.max(0, -dx), x1 = Math.min(wd, wd - dx);
        int sy = source ? dy : 0, sx = source ? dx : 0;
        return a.get(all(), point(c), interval(y0 + sy, y1 + sy), interval(x0 + sx, x1 + sx));
    }

    /** {@code v} repeated along a new leading axis of {@code batch}. */
    private INDArray tiled(String key, INDArray v, DataType dt, long batch) {
        long[] shape = new long[v.rank() + 1];
        shape[0] = batch;
        System.arraycopy(v.shape(), 0, shape, 1, v.rank());
        INDArray t = scratch.get(key, dt, shape);
        int[] dims = new int[v.rank()];
        for (int i = 0; i < dims.length; i++) dims[i] = i + 1;
        Nd4j.exec(new BroadcastCopyOp(t, v, t, dims));
        return t;
    }

    /** The input's patches, [B, in * k * k, outH * outW] in the weights' (in, ky, kx) order, zero outside the image. */
    private INDArray unfolded(DataType dt) {
        long batch = input.size(0), oh = outSize(input.size(2)), ow = outSize(input.size(3));
        INDArray cols = scratch.get("cols", dt, batch, in, kernel, kernel, oh, ow);
        Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(input).addOutputs(cols)
                .addIntegerArguments(kernel, kernel, stride, stride, pad, pad, 1, 1, 0).addFloatingPointArguments(0.0).build());
        return cols.reshape('c', batch, (long) in * kernel * kernel, oh * ow);
    }

    /** kH, kW, sH, sW, pH, pW, dH, dW, explicit padding, NCHW, weights [out, in, kH, kW]. */
    private int[] args() {
        return new int[]{kernel, kernel, stride, stride, pad, pad, 1, 1, 0, 0, 1};
    }
}
