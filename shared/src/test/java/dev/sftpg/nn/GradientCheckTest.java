package dev.sftpg.nn;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-written backprop against central finite differences, in double precision, for every architecture. */
class GradientCheckTest {

    static Stream<MlpSpec> specs() {
        return Stream.of(
                new MlpSpec(2, 6, 3, 2, Activation.SOFTPLUS, new TimeConditioning.OneHot(4), false, false, true), // reference toy eps
                new MlpSpec(2, 5, 2, 2, Activation.SOFTPLUS, new TimeConditioning.Sinusoidal(6, 100), false, true, true), // continuous eps
                new MlpSpec(2, 7, 2, 1, Activation.RELU, null, false, false, false), // critic
                new MlpSpec(2, 6, 2, 1, Activation.RELU, new TimeConditioning.OneHot(3), true, false, true)); // value
    }

    /** loss = sum(out * weights): its gradient w.r.t. out is exactly {@code weights}. */
    private static double loss(ConditionalMlp net, INDArray x, float[] tau, INDArray weights) {
        return net.forward(x, tau).mul(weights).sumNumber().doubleValue();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void analyticGradientsMatchFiniteDifferences(MlpSpec spec) {
        ConditionalMlp net = spec.build(7, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(42);
        int batch = 8;
        Random r = new Random(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, spec.inputDim()).subi(0.5).muli(2);
        float[] tau = new float[batch];
        if (spec.conditioning() instanceof TimeConditioning.OneHot oh)
            for (int i = 0; i < batch; i++) tau[i] = r.nextInt(oh.steps());
        else
            for (int i = 0; i < batch; i++) tau[i] = 10 * r.nextFloat();
        INDArray weights = Nd4j.rand(DataType.DOUBLE, batch, spec.outputDim()).subi(0.5);

        ParameterStore store = net.parameters();
        double[] analytic = FiniteDifferences.gradientOf(net, x, tau, weights);
        java.util.List<Integer> all = java.util.stream.IntStream.range(0, (int) store.size()).boxed().toList();
        int checked = FiniteDifferences.assertMatch(store.flatParams(), all, () -> loss(net, x, tau, weights), analytic, 1e-6, 1e-6, 1e-5);
        INDArray p = store.flatParams();
        // ReLU nets leave some units inactive on a small batch; a broken backward pass would zero far more
        assertTrue(checked > p.length() / 4, "too many zero gradients: " + checked + " non-zero of " + p.length());
    }
}
