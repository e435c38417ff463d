package dev.sftpg.nn.conv;

import dev.sftpg.nn.FiniteDifferences;
import dev.sftpg.nn.ParameterStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classifier's layers (ReLU, the LeakyReLU of slope 0; flatten; softmax cross-entropy) and the whole classifier
 * against central finite differences, in double, on tiny instances.
 */
class ClassifierGradientCheckTest {
    private static final double H = 1e-6;

    /** d(sum(layer(x) * w))/dx by backward against finite differences at every entry of x. */
    private static void checkInputGradient(Layer layer, INDArray x, INDArray w) {
        Function<INDArray, Double> loss = in -> layer.forward(in).mul(w).sumNumber().doubleValue();
        layer.forward(x);
        INDArray analytic = layer.backward(w).dup();
        assertArrayEquals(x.shape(), analytic.shape(), "input gradient has the input's shape");
        INDArray flatX = x.reshape(x.length()), flatG = analytic.reshape(analytic.length());
        for (long i = 0; i < x.length(); i++) {
            double orig = flatX.getDouble(i);
            flatX.putScalar(i, orig + H);
            double up = loss.apply(x);
            flatX.putScalar(i, orig - H);
            double down = loss.apply(x);
            flatX.putScalar(i, orig);
            double numeric = (up - down) / (2 * H);
            assertEquals(numeric, flatG.getDouble(i), 1e-7 + 1e-6 * Math.abs(numeric), "input entry " + i);
        }
    }

    @Test
    void reluPassesGradientWhereTheInputIsPositive() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 4).subi(0.5);
        // keep entries away from the kink, where finite differences straddle it
        for (long i = 0; i < x.length(); i++) {
            double v = x.reshape(x.length()).getDouble(i);
            if (Math.abs(v) < 0.05) x.reshape(x.length()).putScalar(i, v < 0 ? -0.1 : 0.1);
        }
        INDArray w = Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 4).subi(0.5);
        LeakyRelu relu = new LeakyRelu(0);
        checkInputGradient(relu, x, w);
        INDArray y = relu.forward(x);
        for (long i = 0; i < x.length(); i++)
            assertEquals(Math.max(0, x.reshape(x.length()).getDouble(i)), y.reshape(y.length()).getDouble(i), 0.0);
    }

    @Test
    void flattenIsChannelMajorAndRestoresTheShape() {
        INDArray x = Nd4j.arange(2 * 3 * 2 * 2).castTo(DataType.DOUBLE).reshape(2, 3, 2, 2);
        Flatten f = new Flatten();
        INDArray y = f.forward(x);
        assertArrayEquals(new long[]{2, 12}, y.shape());
        assertEquals(12.0 + 4 + 2 + 1, y.getDouble(1, 7), 0.0, "row 1, channel 1, pixel (1, 1)");
        checkInputGradient(f, Nd4j.rand(DataType.DOUBLE, 2, 3, 2, 2), Nd4j.rand(DataType.DOUBLE, 2, 12));
    }

    @Test
    void softmaxCrossEntropyMatchesItsDefinitionAndDerivative() {
        Nd4j.getRandom().setSeed(5);
        INDArray z = Nd4j.rand(DataType.DOUBLE, 4, 3).muli(6).subi(3);
        int[] y = {0, 2, 1, 2};
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.of(z, y);
        double expected = 0;
        for (int i = 0; i < 4; i++) {
            double sum = 0;
            for (int j = 0; j < 3; j++) sum += Math.exp(z.getDouble(i, j));
            expected += Math.log(sum) - z.getDouble(i, y[i]);
        }
        assertEquals(expected / 4, r.loss(), 1e-12);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) {
                double orig = z.getDouble(i, j);
                z.putScalar(i, j, orig + H);
                double up = SoftmaxCrossEntropy.of(z, y).loss();
                z.putScalar(i, j, orig - H);
                double down = SoftmaxCrossEntropy.of(z, y).loss();
                z.putScalar(i, j, orig);
                assertEquals((up - down) / (2 * H), r.gradient().getDouble(i, j), 1e-8, "logit (" + i + ", " + j + ")");
            }
        // huge logits stay finite (log-sum-exp)
        INDArray big = Nd4j.createFromArray(new double[][]{{1000, 0}, {-1000, 1000}});
        SoftmaxCrossEntropy.Result b = SoftmaxCrossEntropy.of(big, new int[]{1, 1});
        assertEquals(500.0, b.loss(), 1e-9);
        assertTrue(Double.isFinite(b.gradient().sumNumber().doubleValue()));
    }

    private static double loss(Classifier net, INDArray x, int[] labels) {
        return SoftmaxCrossEntropy.of(net.logits(x), labels).loss();
    }

    /** Parameters (a sample of every tensor) and some inputs of a whole classifier, through the cross-entropy loss. */
    private static void checkClassifier(ClassifierSpec spec, int batch) {
        Classifier net = spec.build(DataType.DOUBLE, 7);
        Nd4j.getRandom().setSeed(11);
        Random r = new Random(4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, spec.inputSize()).subi(0.5).muli(2);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = r.nextInt(spec.classes());

        ParameterStore store = net.parameters();
        store.zeroGrads();
        double l0 = net.trainBatch(x, labels);
        assertEquals(loss(net, x, labels), l0, 1e-12);
        double[] analytic = store.flatGrads().dup().data().asDouble();

        List<Integer> indices = FiniteDifferences.sampleOfEveryTensor(store, r, 6);
        int checked = FiniteDifferences.assertMatch(store.flatParams(), indices, () -> loss(net, x, labels), analytic,
                H, 1e-7, 1e-5);
        // ReLUs of a network this small leave some units dead on the whole batch, and their weights without gradient
        assertTrue(checked > indices.size() * 0.6, "too many zero gradients: " + checked + " of " + indices.size());

        // the input gradient, through every layer down to the image
        net.logits(x);
        InputGradient probe = new InputGradient(net, x, labels);
        for (int k = 0; k < 12; k++) {
            int row = r.nextInt(batch), col = r.nextInt(spec.inputSize());
            double orig = x.getDouble(row, col);
            x.putScalar(row, col, orig + H);
            double up = loss(net, x, labels);
            x.putScalar(row, col, orig - H);
            double down = loss(net, x, labels);
            x.putScalar(row, col, orig);
            double numeric = (up - down) / (2 * H);
            assertEquals(numeric, probe.dx.getDouble(row, col), 1e-7 + 1e-5 * Math.abs(numeric), "input (" + row + ", " + col + ")");
        }
    }

    /** d(loss)/d(input image) from the layers' backward passes, as the classifier runs them. */
    private static final class InputGradient {
        final INDArray dx;

        InputGradient(Classifier net, INDArray x, int[] labels) {
            SoftmaxCrossEntropy.Result res = SoftmaxCrossEntropy.of(net.logits(x), labels);
            dx = net.backward(res.gradient()).dup().reshape(x.shape());
            net.parameters().zeroGrads();
        }
    }

    @Test
    void wholeClassifierOnSmallImages() {
        checkClassifier(new ClassifierSpec(1, 8, 8, 4, 6, 6, 12, 3), 4);
    }

    @Test
    void wholeClassifierWithOddSidesAndTwoChannels() {
        checkClassifier(new ClassifierSpec(2, 7, 5, 3, 5, 5, 10, 4), 4);
    }

    @Test
    void fashionMnistShapeHasTheDocumentedSizes() {
        ClassifierSpec s = ClassifierSpec.FASHION_MNIST;
        assertEquals(3136, s.flatSize());
        Classifier net = s.build(DataType.FLOAT, 0);
        assertEquals(320 + 18_496 + 36_928 + 401_536 + 1_290, net.parameters().size());
        INDArray f = net.features(Nd4j.rand(DataType.FLOAT, 2, 784));
        assertArrayEquals(new long[]{2, 128}, f.shape());
        assertTrue(f.minNumber().doubleValue() >= 0, "features are after a ReLU");
    }
}
