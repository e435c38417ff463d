package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.same.Abs;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.factory.Nd4j;


/** Element-wise nonlinearities with their derivatives, written into caller-owned buffers (no allocation). */
public enum Activation {
    RELU, SOFTPLUS, IDENTITY;

    /** out = act(pre); {@code scratch} has pre's shape. */
    public void apply(INDArray pre, INDArray out, INDArray scratch) {
        switch (this) {
            case RELU -> Nd4j.getExecutioner().exec(new RectifiedLinear(pre, out, 0.0));
            case SOFTPLUS -> {
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
                Nd4j.getExecutioner().exec(new Sigmoid(pre, scratch));
                grad.muli(scratch);
            }
            case IDENTITY -> {
            }
        }
    }

    public static Activation parse(String s) {
        return dev.sftpg.util.Enums.parse(Activation.class, s, "activation");
    }
}
