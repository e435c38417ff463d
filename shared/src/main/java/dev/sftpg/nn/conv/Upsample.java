package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** Nearest-neighbour upsampling by 2 over NCHW; its gradient sums each 2x2 block. */
final class Upsample implements Layer {
    private final Scratch scratch = new Scratch();
    private INDArray input;

    @Override
    public void bind(ParameterStore store) {
    }

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        INDArray y = scratch.get("y", x.dataType(), x.size(0), x.size(1), 2 * x.size(2), 2 * x.size(3));
        Nd4j.exec(DynamicCustomOp.builder("upsampling2d").addInputs(x).addOutputs(y).addIntegerArguments(2, 2, 1).build());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = scratch.like("dx", input);
        Nd4j.exec(DynamicCustomOp.builder("upsampling2d_bp").addInputs(input, dy).addOutputs(dx).addIntegerArguments(1).build());
        input = null;
        return dx;
    }
}
