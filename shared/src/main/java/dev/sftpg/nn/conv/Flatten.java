package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * [B, C, H, W] feature maps to [B, C*H*W] rows in C order (channel-major, as PyTorch's {@code flatten(1)}), so a
 * dense layer can follow a convolution; backward restores the map shape.
 */
public final class Flatten implements Layer {
    private long[] inputShape;

    @Override
    public void bind(ParameterStore store) {
    }

    @Override
    public INDArray forward(INDArray x) {
        inputShape = x.shape();
        return x.reshape('c', x.size(0), x.length() / x.size(0));
    }

    @Override
    public INDArray backward(INDArray dy) {
        INDArray dx = dy.reshape('c', inputShape);
        inputShape = null;
        return dx;
    }
}
