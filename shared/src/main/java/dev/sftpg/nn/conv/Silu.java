package dev.sftpg.nn.conv;

import dev.sftpg.nn.simd.FloatKernels;
import dev.sftpg.nn.simd.Simd;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SiLU (swish), x * sigmoid(x); its derivative is s (1 + x (1 - s)) with s = sigmoid(x). On float arrays with the
 * Vector API ({@link Simd}) each direction is one fused loop ({@link FloatKernels}). Otherwise the sigmoid is taken
 * as (1 + tanh(x / 2)) / 2: libnd4j's {@code tanh} op runs on oneDNN's vectorised kernel, about ten times faster
 * than its sigmoid (and swish) transforms, which evaluate exp one element at a time.
 */
final class Silu implements Layer {
    private final Scratch scratch = new Scratch();
    private INDArray input, sigmoid;
    private boolean simd;

    @Override
    public void bind(ParameterStore store) {
    }

    @Override
    public INDArray forward(INDArray x) {
        simd = Simd.AVAILABLE && FloatKernels.fits(x);
        input = x;
        sigmoid = scratch.like("sigmoid", x);
        if (simd) {
            INDArray y = scratch.like("y", x);
            FloatKernels.silu(x, y, sigmoid);
            return y;
        }
        x.mul(0.5, sigmoid);
        Nd4j.exec(DynamicCustomOp.builder("tanh").addInputs(sigmoid).addOutputs(sigmoid).build());
        sigmoid.muli(0.5).addi(0.5);
        return x.mul(sigmoid, scratch.like("y", x));
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (simd) {
            INDArray dx = scratch.like("dx", dy);
            FloatKernels.siluBackward(Scratch.contiguous(dy), input, sigmoid, dx);
            input = null;
            return dx;
        }
        INDArray d = sigmoid.rsub(1.0, scratch.like("dx", dy));
        d.muli(input).addi(1.0).muli(sigmoid).muli(dy);
        input = null;
        return d;
    }
}
