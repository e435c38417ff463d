package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;
import java.util.function.BiConsumer;

/** Parameter initialisers, matching PyTorch's defaults where the reference relies on them. */
public final class Init {
    private Init() {
    }

    private static BiConsumer<INDArray, Random> fill(java.util.function.ToDoubleFunction<Random> draw) {
        return (arr, rng) -> {
            long n = arr.length();
            double[] v = new double[(int) n];
            for (int i = 0; i < n; i++) v[i] = draw.applyAsDouble(rng);
            arr.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(v).reshape(arr.shape()).castTo(arr.dataType()));
        };
    }

    public static BiConsumer<INDArray, Random> zeros() {
        return (arr, rng) -> arr.assign(0);
    }

    public static BiConsumer<INDArray, Random> constant(double c) {
        return (arr, rng) -> arr.assign(c);
    }

    public static BiConsumer<INDArray, Random> uniform(double lo, double hi) {
        return fill(r -> lo + (hi - lo) * r.nextDouble());
    }

    public static BiConsumer<INDArray, Random> normal(double std) {
        return fill(r -> std * r.nextGaussian());
    }

    /** torch.nn.init.xavier_normal_: std = sqrt(2 / (fan_in + fan_out)). */
    public static BiConsumer<INDArray, Random> xavierNormal(long fanIn, long fanOut) {
        return normal(Math.sqrt(2.0 / (fanIn + fanOut)));
    }

    /** torch.nn.init.kaiming_normal_ with its defaults (fan in, gain sqrt 2): std = sqrt(2 / fan_in). */
    public static BiConsumer<INDArray, Random> kaimingNormal(long fanIn) {
        return normal(Math.sqrt(2.0 / fanIn));
    }

    /** nn.Linear's default (kaiming_uniform with a = sqrt(5)) for weights and biases: U(-1/sqrt(fan_in), +). */
    public static BiConsumer<INDArray, Random> torchLinearDefault(long fanIn) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return uniform(-bound, bound);
    }
}
