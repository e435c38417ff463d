package dev.sftpg.nn;

import dev.sftpg.nn.simd.FloatKernels;
import dev.sftpg.nn.simd.Simd;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.same.Abs;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.factory.Nd4j;


/**
 * Element-wise nonlinearities with their derivatives, written into caller-owned buffers (no allocation). Softplus
 * on float arrays is one fused SIMD loop per direction ({@link FloatKernels}); otherwise, and in double, libnd4j ops.
 */
public enum Activation {
    RELU, SOFTPLUS, IDENTITY;

    /** out = act(pre); {@code scratch} has pre's shape. */
    public void apply(INDArray pre, INDArray out, INDArray scratch) {
        switch (this) {
            case RELU -> Nd4j.getExecutioner().exec(new RectifiedLinear(pre, out, 0.0));
            case SOFTPLUS -> {
                if (fused(pre, out)) {
                    FloatKernels.softplus(pre, out);
                    return;
                }
                // libnd4j computes log(1 + exp(x)) literally, which is +inf beyond x ~ 88 in float32;
                // max(x, 0) + log(1 + exp(-|x|)) is the same function without overflow
                Nd4j.getExecutioner().exec(new Abs(pre, scratch));
                scratch.negi();
                Nd4j.getExecutioner().exec(new SoftPlus(scratch, scratch));
                Nd4j.getExecutioner().exec(new RectifiedLinear(pre, out, 0.0));
                out.addi(scratch);
            }
            case IDENTITY -> out.assign(pre);
        }
    }

    /** grad = grad * act'(pre), in place; {@code scratch} has pre's shape. */
    public void backward(INDArray pre, INDArray grad, INDArray scratch) {
        switch (this) {
            case RELU -> {
                Nd4j.getExecutioner().exec(new Step(pre, scratch, 0.0));
                grad.muli(scratch);
            }
            case SOFTPLUS -> {
                if (fused(pre, grad)) {
                    FloatKernels.mulSigmoid(pre, grad);
                    return;
                }
                Nd4j.getExecutioner().exec(new Sigmoid(pre, scratch));
                grad.muli(scratch);
            }
            case IDENTITY -> {
            }
        }
    }

    /** Whether the fused loops can take the pair: float, packed, same length, the Vector API present. */
    private static boolean fused(INDArray a, INDArray b) {
        return Simd.AVAILABLE && a.length() == b.length() && FloatKernels.fits(a) && FloatKernels.fits(b);
    }

    public static Activation parse(String s) {
        return dev.sftpg.util.Enums.parse(Activation.class, s, "activation");
    }
}
