package dev.sftpg.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Central finite differences of a scalar loss against hand-written gradients, for the networks' gradient checks. */
public final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /**
     * The hand-written gradient of loss = sum(net(x, tau) * weights) w.r.t. the parameters, after asserting that a second
     * backward pass adds to it (the networks accumulate gradients) rather than overwriting it.
     */
    public static double[] gradientOf(Network net, INDArray x, float[] tau, INDArray weights) {
        ParameterStore store = net.parameters();
        store.zeroGrads();
        net.forward(x, tau);
        net.backward(weights);
        double[] analytic = store.flatGrads().dup().data().asDouble();
        net.forward(x, tau);
        net.backward(weights);
        double[] twice = store.flatGrads().dup().data().asDouble();
        for (int i = 0; i < analytic.length; i++)
            assertEquals(2 * analytic[i], twice[i], 1e-9 + 1e-9 * Math.abs(analytic[i]), "gradients accumulate at " + i);
        return analytic;
    }

    /** Up to {@code perTensor} random flat indices of every parameter tensor of {@code store}. */
    public static List<Integer> sampleOfEveryTensor(ParameterStore store, Random r, int perTensor) {
        List<Integer> out = new ArrayList<>();
        int offset = 0;
        for (long[] shape : store.shapes().values()) {
            int n = 1;
            for (long d : shape) n *= (int) d;
            for (int k = 0; k < Math.min(perTensor, n); k++) out.add(offset + r.nextInt(n));
            offset += n;
        }
        return out;
    }

    /**
     * Asserts, for each flat index of {@code values}, that (loss(v + h) - loss(v - h)) / 2h equals {@code analytic[i]}
     * within {@code absTol + relTol * |numeric|}, restoring every value; returns how many numeric gradients were not ~0.
     */
    public static int assertMatch(INDArray values, Iterable<Integer> indices, DoubleSupplier loss, double[] analytic,
                                  double h, double absTol, double relTol) {
        INDArray flat = values.reshape(values.length());
        int nonZero = 0;
        for (int i : indices) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + h);
            double up = loss.getAsDouble();
            flat.putScalar(i, orig - h);
            double down = loss.getAsDouble();
            flat.putScalar(i, orig);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, analytic[i], absTol + relTol * Math.abs(numeric), "index " + i);
            if (Math.abs(numeric) > 1e-9) nonZero++;
        }
        return nonZero;
    }
}
