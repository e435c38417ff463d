package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/** SiLU (swish), x * sigmoid(x); its derivative is s (1 + x (1 - s)) with s = sigmoid(x). */
final class Silu implements Layer {
    private final Scratch scratch = new Scratch();
    private INDArray input, sigmoid;

    @Override
    public void bind(ParameterStore store) {
    }

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        sigmoid = scratch.like("sigmoid", x);
        Nd4j.exec(new Sigmoid(x, sigmoid));
        return x.mul(sigmoid, scratch.like("y", x));
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray d = sigmoid.rsub(1.0, scratch.like("dx", dy));
        d.muli(input).addi(1.0).muli(sigmoid).muli(dy);
        input = null;
        return d;
    }
}
