package dev.sftpg.nn.conv;

import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The DDPM residual block: GroupNorm, SiLU, 3x3 conv, plus a per-channel projection of the time embedding, then
 * GroupNorm, SiLU, 3x3 conv, added to the input (through a 1x1 conv when the channel count changes).
 */
final class ResBlock {
    /** Each with the SiLU that follows it. */
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2;
    private final Dense time;
    private final Conv2d skip;
    private final Scratch scratch = new Scratch();

    ResBlock(ParameterStore.Builder params, String name, int in, int out, int timeFeatures) {
        norm1 = GroupNorm.withSilu(params, name + ".norm1", in, GroupNorm.groupsFor(in));
        conv1 = new Conv2d(params, name + ".conv1", in, out, 3, 1);
        time = new Dense(params, name + ".time", timeFeatures, out);
        norm2 = GroupNorm.withSilu(params, name + ".norm2", out, GroupNorm.groupsFor(out));
        conv2 = new Conv2d(params, name + ".conv2", out, out, 3, 1);
        skip = in == out ? null : new Conv2d(params, name + ".skip", in, out, 1, 1);
    }

    void bind(ParameterStore store) {
        for (Layer l : new Layer[]{norm1, conv1, time, norm2, conv2}) l.bind(store);
        if (skip != null) skip.bind(store);
    }

    /** {@code timeAct} is the block-shared activated time embedding [B, timeFeatures]. */
    INDArray forward(INDArray x, INDArray timeAct) {
        INDArray h = conv1.forward(norm1.forward(x));
        // the embedding [B, C] as a column along the rows of the [B*C, H*W] view: libnd4j's broadcast along two
        // axes of a rank-4 array is slower
        long rows = h.size(0) * h.size(1);
        h.reshape('c', rows, h.length() / rows).addiColumnVector(time.forward(timeAct).reshape('c', rows, 1));
        h = conv2.forward(norm2.forward(h));
        return h.addi(skip == null ? x : skip.forward(x));
    }

    /** Returns d/d(input); adds d/d(timeAct) into {@code dTimeAct}. */
    INDArray backward(INDArray dy, INDArray dTimeAct) {
        INDArray dSkip = skip == null ? dy : skip.backward(dy);
        INDArray dh = norm2.backward(conv2.backward(dy));
        // d/d(embedding): dh summed over each channel's pixels, a product with ones as in GroupNorm
        long b = dh.size(0), c = dh.size(1), hw = dh.length() / (b * c);
        INDArray dTime = dh.reshape('c', b * c, hw).mmuli(scratch.ones("onesHW", dh.dataType(), hw), scratch.get("dTime", dh.dataType(), b * c, 1));
        dTimeAct.addi(time.backward(dTime.reshape('c', b, c)));
        INDArray dx = norm1.backward(conv1.backward(dh));
        return dx.addi(dSkip);
    }
}
