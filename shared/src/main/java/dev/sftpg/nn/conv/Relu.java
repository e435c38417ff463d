package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** ReLU, max(x, 0), through libnd4j's {@code relu} / {@code relu_bp}; its derivative is taken as 0 at x = 0. */
public final class Relu implements Layer {
    private final Scratch scratch = new Scratch();
    private INDArray input;

    @Override
    public void bind(ParameterStore store) {
    }

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        INDArray y = scratch.like("y", x);
        Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(x).addOutputs(y).addFloatingPointArguments(0.0).build());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = scratch.like("dx", input);
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(input, dy).addOutputs(dx).addFloatingPointArguments(0.0).build());
        input = null;
        return dx;
    }
}
