package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One differentiable step of a convolutional network. A layer registers its parameters with a
 * {@link ParameterStore.Builder} when constructed and takes views of them in {@link #bind}; {@code forward} keeps
 * what {@code backward} needs, and {@code backward} adds parameter gradients to the store and returns d(loss)/d(input).
 */
public interface Layer {

    void bind(ParameterStore store);

    INDArray forward(INDArray x);

    INDArray backward(INDArray dy);
}
