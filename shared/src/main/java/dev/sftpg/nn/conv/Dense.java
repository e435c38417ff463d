package dev.sftpg.nn.conv;

import dev.sftpg.nn.Init;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A fully connected layer on [B, in] rows, initialised like PyTorch's {@code nn.Linear}. */
public final class Dense implements Layer {
    private final String name;
    private final int in, out;
    private INDArray w, b, dw, db, input;

    public Dense(ParameterStore.Builder params, String name, int in, int out) {
        this.name = name;
        this.in = in;
        this.out = out;
        params.add(name + ".w", new long[]{in, out}, Init.torchLinearDefault(in));
        params.add(name + ".b", new long[]{1, out}, Init.torchLinearDefault(in));
    }

    @Override
    public void bind(ParameterStore store) {
        w = store.param(name + ".w");
        b = store.param(name + ".b");
        dw = store.grad(name + ".w");
        db = store.grad(name + ".b");
    }

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        return x.mmul(w).addiRowVector(b);
    }

    @Override
    public INDArray backward(INDArray dy) {
        dw.addi(input.transpose().mmul(dy));
        db.addi(dy.sum(true, 0));
        INDArray dx = dy.mmul(w.transpose());
        input = null;
        return dx;
    }
}
