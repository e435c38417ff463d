package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/** Nearest-neighbour upsampling by 2 over NCHW; its gradient sums each 2x2 block. */
final class Upsample implements Layer {
    private final Scratch scratch = new Scratch();
    private INDArray input;

    @Override
    public void bind(ParameterStore store) {
    }

    /** Four strided copies of the input into the [B*C, H, 2, W, 2] view of the output: libnd4j's upsampling2d op takes twice as long. */
    @Override
    public INDArray forward(INDArray x) {
        input = x;
        long rows = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
        INDArray y = scratch.get("y", x.dataType(), x.size(0), x.size(1), 2 * h, 2 * w);
        INDArray y5 = y.reshape('c', rows, h, 2, w, 2), x3 = x.reshape(rows, h, w);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) y5.get(all(), all(), point(i), all(), point(j)).assign(x3);
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
