package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LeakyReLU, x for x > 0 and {@code slope * x} otherwise, through libnd4j's {@code lrelu} / {@code lrelu_bp}; slope 0
 * is the plain ReLU (its derivative taken as 0 at x = 0).
 */
public final class LeakyRelu implements Layer {
    private final double slope;
    private final Scratch scratch = new Scratch();
    private INDArray input;

    public LeakyRelu(double slope) {
        if (!(slope >= 0 && slope < 1)) throw new IllegalArgumentException("leaky ReLU slope must be in [0, 1), got " + slope);
        this.slope = slope;
    }

    @Override
    public void bind(ParameterStore store) {
    }

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        INDArray y = scratch.like("y", x);
        Nd4j.exec(DynamicCustomOp.builder("lrelu").addInputs(x).addOutputs(y).addFloatingPointArguments(slope).build());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = scratch.like("dx", input);
        Nd4j.exec(DynamicCustomOp.builder("lrelu_bp").addInputs(input, dy).addOutputs(dx).addFloatingPointArguments(slope).build());
        input = null;
        return dx;
    }
}
