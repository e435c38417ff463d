package dev.sftpg.nn.conv;

import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;
import java.util.function.BiConsumer;

/**
 * A square 2-D convolution over NCHW batches with bias, through libnd4j's {@code conv2d} / {@code conv2d_bp}
 * (oneDNN-accelerated in the default build). Weights are stored [out, in, k, k] as in PyTorch and initialised
 * like {@code nn.Conv2d}, so a checkpoint reads the same way in both.
 * <p>
 * Two cases take another route, where oneDNN's convolution kernels are slow for the shape: a 1x1 convolution is
 * a batched matrix product ([out, in] times each sample's [in, H*W]), two to three times faster both ways; and a
 * layer whose input needs no gradient (the stem, on the images) skips {@code conv2d_bp}, whose input gradient
 * over one or three channels costs ten times the weight gradient, and takes the weight gradient from the
 * unfolded input ({@code im2col}) times the output gradient.
 */
final class Conv2d implements Layer {
    private final String name;
    private final int in, out, kernel, stride, pad;
    private final boolean inputGradient;
    private final Scratch scratch = new Scratch();
    private INDArray w, b, dw, db;
    private INDArray input;

    Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride) {
        this(params, name, in, out, kernel, stride, true);
    }

    /** With {@code inputGradient} false, {@link #backward} adds the parameter gradients only and returns null. */
    Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride, boolean inputGradient) {
        this(params, name, in, out, kernel, stride, inputGradient, Init.torchLinearDefault((long) in * kernel * kernel));
    }

    Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride, boolean inputGradient,
           BiConsumer<INDArray, Random> weightInit) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = kernel / 2;
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

    private long outSize(long size) {
        return (size + 2L * pad - kernel) / stride + 1;
    }

    private boolean pointwise() {
        return kernel == 1 && stride == 1;
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
