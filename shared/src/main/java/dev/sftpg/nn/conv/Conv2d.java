package dev.sftpg.nn.conv;

import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;
import java.util.function.BiConsumer;

/**
 * A square 2-D convolution over NCHW batches with bias, through libnd4j's {@code conv2d} / {@code conv2d_bp}
 * (oneDNN-accelerated in the default build). Weights are stored [out, in, k, k] as in PyTorch and initialised
 * like {@code nn.Conv2d}, so a checkpoint reads the same way in both.
 */
public final class Conv2d implements Layer {
    private final String name;
    private final int in, out, kernel, stride, pad;
    private final Scratch scratch = new Scratch();
    private INDArray w, b, dw, db;
    private INDArray input;

    public Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride) {
        this(params, name, in, out, kernel, stride, Init.torchLinearDefault((long) in * kernel * kernel));
    }

    public Conv2d(ParameterStore.Builder params, String name, int in, int out, int kernel, int stride,
           BiConsumer<INDArray, Random> weightInit) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = kernel / 2;
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

    /** The output side for an input side of {@code size}: padding k/2 keeps it at stride 1 and halves it (rounding up) at 2. */
    public long outSize(long size) {
        return (size + 2L * pad - kernel) / stride + 1;
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.size(1) != in) throw new IllegalArgumentException(name + " expects " + in + " channels, got " + x.size(1));
        input = x;
        INDArray y = scratch.get("y", x.dataType(), x.size(0), out, outSize(x.size(2)), outSize(x.size(3)));
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w, b).addOutputs(y).addIntegerArguments(args()).build());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = scratch.like("dx", input);
        INDArray dwStep = scratch.like("dw", dw);
        INDArray dbStep = scratch.like("db", db);
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(input, w, b, dy).addOutputs(dx, dwStep, dbStep)
                .addIntegerArguments(args()).build());
        dw.addi(dwStep);
        db.addi(dbStep);
        input = null;
        return dx;
    }

    /** kH, kW, sH, sW, pH, pW, dH, dW, explicit padding, NCHW, weights [out, in, kH, kW]. */
    private int[] args() {
        return new int[]{kernel, kernel, stride, stride, pad, pad, 1, 1, 0, 0, 1};
    }
}
