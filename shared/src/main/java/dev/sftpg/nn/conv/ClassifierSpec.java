package dev.sftpg.nn.conv;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The shape of an image {@link Classifier}: a 3x3 convolution {@code channels -> conv1}, two 3x3 stride-2
 * convolutions {@code conv1 -> conv2 -> conv3} (each halving the sides, rounding up), ReLU after each, then flatten,
 * a dense layer to {@code hidden} units with ReLU (the feature layer) and a dense layer to {@code classes} logits.
 */
public record ClassifierSpec(int channels, int height, int width, int conv1, int conv2, int conv3, int hidden, int classes) {

    /** The Fashion-MNIST feature classifier: 1x28x28 -> 32 -> 64 (14x14) -> 64 (7x7) -> 3136 -> 128 -> 10. */
    public static final ClassifierSpec FASHION_MNIST = new ClassifierSpec(1, 28, 28, 32, 64, 64, 128, 10);

    public ClassifierSpec {
        if (channels < 1 || height < 1 || width < 1 || conv1 < 1 || conv2 < 1 || conv3 < 1 || hidden < 1 || classes < 2)
            throw new IllegalArgumentException("bad classifier shape " + describe(channels, height, width, conv1, conv2, conv3, hidden, classes));
    }

    /** Values per input image. */
    public int inputSize() {
        return channels * height * width;
    }

    /** Side after two stride-2 convolutions with padding 1: each maps s to (s - 1) / 2 + 1. */
    static int quarter(int side) {
        int half = (side - 1) / 2 + 1;
        return (half - 1) / 2 + 1;
    }

    /** Inputs of the first dense layer: conv3 maps of a quarter of each side. */
    public int flatSize() {
        return conv3 * quarter(height) * quarter(width);
    }

    public Classifier build(DataType dtype, long seed) {
        return new Classifier(this, dtype, seed);
    }

    /** "conv3x3 1->32 relu, conv3x3/2 32->64 relu (14x14), ..." for logs and metadata. */
    public String describe() {
        return describe(channels, height, width, conv1, conv2, conv3, hidden, classes);
    }

    private static String describe(int channels, int height, int width, int conv1, int conv2, int conv3, int hidden, int classes) {
        int h2 = (height - 1) / 2 + 1, w2 = (width - 1) / 2 + 1;
        int h4 = (h2 - 1) / 2 + 1, w4 = (w2 - 1) / 2 + 1;
        return String.format("input %dx%dx%d, conv3x3 %d->%d relu, conv3x3/2 %d->%d relu (%dx%d), conv3x3/2 %d->%d relu (%dx%d), "
                        + "flatten %d, dense %d->%d relu (features), dense %d->%d (logits)", channels, height, width, channels, conv1,
                conv1, conv2, h2, w2, conv2, conv3, h4, w4, conv3 * h4 * w4, conv3 * h4 * w4, hidden, hidden, classes);
    }
}
