package dev.sftpg.nn.conv;

import dev.sftpg.nn.Init;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The critic f for images ({@link ConvCriticSpec}): strided 4x4 convolutions with LeakyReLU 0.2, a last convolution
 * to one channel and the mean of that map, one score per image. Kaiming-normal weights as the reference's; no
 * normalisation, gradient penalty or spectral norm. It takes no time input. The images' own gradient is never
 * needed (the policy gradient does not run through f), so the first convolution skips it.
 */
public final class ConvCritic implements Network {
    private final ConvCriticSpec spec;
    private final ParameterStore store;
    private final List<Layer> layers = new ArrayList<>();
    private long batch = -1;
    private long[] mapShape;

    public ConvCritic(ConvCriticSpec spec, DataType dtype, long seed) {
        this.spec = spec;
        ParameterStore.Builder p = new ParameterStore.Builder();
        int[] w = spec.widths();
        int c = spec.channels(), k = ConvCriticSpec.KERNEL;
        for (int i = 0; i < w.length; i++) {
            layers.add(new Conv2d(p, "layer" + i, c, w[i], k, 2, 1, i > 0, Init.kaimingNormal((long) c * k * k)));
            layers.add(new LeakyRelu(0.2));
            c = w[i];
        }
        int hk = spec.headKernel();
        layers.add(new Conv2d(p, "head", c, 1, hk, 1, 0, true, Init.kaimingNormal((long) c * hk * hk)));
        store = p.build(dtype, seed);
        for (Layer l : layers) l.bind(store);
    }

    @Override
    public ConvCriticSpec spec() {
        return spec;
    }

    @Override
    public ParameterStore parameters() {
        return store;
    }

    @Override
    public int inputDim() {
        return spec.inputDim();
    }

    @Override
    public int outputDim() {
        return 1;
    }

    /** f of each flattened image ([B, C*H*W] to [B, 1]); {@code tau} is ignored. */
    @Override
    public INDArray forward(INDArray x, float[] tau) {
        if (x.rank() != 2 || x.size(1) != inputDim())
            throw new IllegalArgumentException("the critic expects input [B, " + inputDim() + "], got " + Arrays.toString(x.shape()));
        batch = x.size(0);
        INDArray h = x.castTo(store.dataType()).dup('c').reshape(batch, spec.channels(), spec.height(), spec.width());
        for (Layer l : layers) h = l.forward(h);
        mapShape = h.shape();
        return h.reshape('c', batch, mapShape[2] * mapShape[3]).mean(true, 1);
    }

    @Override
    public void backward(INDArray gradOut) {
        if (batch < 0 || gradOut.size(0) != batch)
            throw new IllegalStateException("backward needs a forward of the same batch size first");
        // the mean spreads each score's gradient evenly over its map
        long pixels = mapShape[2] * mapShape[3];
        INDArray d = gradOut.castTo(store.dataType()).reshape('c', batch, 1).div(pixels)
                .repeat(1, pixels).reshape('c', mapShape);
        for (int i = layers.size() - 1; i >= 0 && d != null; i--) d = layers.get(i).backward(d);
        batch = -1;
    }
}
