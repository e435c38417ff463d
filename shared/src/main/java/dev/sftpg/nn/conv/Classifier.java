package dev.sftpg.nn.conv;

import dev.sftpg.data.Samples;
import dev.sftpg.nn.ParameterStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * A small convolutional image classifier ({@link ClassifierSpec}) with hand-written backpropagation over the conv
 * layers of this package, trained by softmax cross-entropy. Its penultimate layer (ReLU of the first dense layer) is
 * the feature space the Fréchet distance of generated images is measured in. Images arrive flattened
 * ([B, C*H*W], as {@link Samples} rows). Not thread-safe: a forward pass keeps what the backward pass needs.
 */
public final class Classifier {
    private final ClassifierSpec spec;
    private final ParameterStore store;
    private final List<Layer> body;
    private final Dense head;

    public Classifier(ClassifierSpec spec, DataType dtype, long seed) {
        this.spec = spec;
        ParameterStore.Builder p = new ParameterStore.Builder();
        Conv2d c1 = new Conv2d(p, "conv1", spec.channels(), spec.conv1(), 3, 1);
        Conv2d c2 = new Conv2d(p, "conv2", spec.conv1(), spec.conv2(), 3, 2);
        Conv2d c3 = new Conv2d(p, "conv3", spec.conv2(), spec.conv3(), 3, 2);
        Dense d1 = new Dense(p, "dense1", spec.flatSize(), spec.hidden());
        head = new Dense(p, "dense2", spec.hidden(), spec.classes());
        body = List.of(c1, relu(), c2, relu(), c3, relu(), new Flatten(), d1, relu());
        store = p.build(dtype, seed);
        for (Layer l : body) l.bind(store);
        head.bind(store);
    }

    private static Layer relu() {
        return new LeakyRelu(0);
    }

    public ClassifierSpec spec() {
        return spec;
    }

    public ParameterStore parameters() {
        return store;
    }

    private INDArray images(INDArray x) {
        if (x.rank() != 2 || x.size(1) != spec.inputSize())
            throw new IllegalArgumentException("the classifier takes [B, " + spec.inputSize() + "] rows of " + spec.channels() + "x"
                    + spec.height() + "x" + spec.width() + " images, got " + Arrays.toString(x.shape()));
        return x.reshape('c', x.size(0), spec.channels(), spec.height(), spec.width());
    }

    /** The feature layer, [B, hidden], for flattened images [B, C*H*W]. */
    public INDArray features(INDArray x) {
        INDArray h = images(x.castTo(store.dataType()));
        for (Layer l : body) h = l.forward(h);
        return h;
    }

    /** Class logits [B, classes]. */
    public INDArray logits(INDArray x) {
        return head.forward(features(x));
    }

    /**
     * Backpropagates d(loss)/d(logits) of the last {@link #logits} call, adding parameter gradients to the store;
     * returns d(loss)/d(input) as flattened images [B, C*H*W].
     */
    public INDArray backward(INDArray dLogits) {
        INDArray d = head.backward(dLogits);
        for (int i = body.size() - 1; i >= 0; i--) d = body.get(i).backward(d);
        return d.reshape('c', d.size(0), spec.inputSize());
    }

    /**
     * One batch's mean softmax cross-entropy; its parameter gradients are added to the store (the caller steps the
     * optimiser and so zeroes them).
     */
    public double trainBatch(INDArray x, int[] labels) {
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.of(logits(x), labels);
        backward(r.gradient());
        return r.loss();
    }

    /** Features of every sample, row-major [n * hidden] in double, computed {@code batch} rows at a time. */
    public double[] features(Samples samples, int batch) {
        requireImages(samples);
        int n = samples.n(), h = spec.hidden();
        double[] out = new double[n * h];
        for (int from = 0; from < n; from += batch) {
            int b = Math.min(batch, n - from);
            double[] f = features(rows(samples, from, b)).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            System.arraycopy(f, 0, out, from * h, b * h);
        }
        return out;
    }

    /** The most likely class of every sample. */
    public int[] predict(Samples samples, int batch) {
        requireImages(samples);
        int n = samples.n();
        int[] out = new int[n];
        for (int from = 0; from < n; from += batch) {
            int b = Math.min(batch, n - from);
            INDArray arg = logits(rows(samples, from, b)).argMax(1);
            for (int i = 0; i < b; i++) out[from + i] = arg.getInt(i);
        }
        return out;
    }

    /** Share of samples whose predicted class is their label. */
    public double accuracy(Samples samples, int[] labels, int batch) {
        if (labels.length != samples.n())
            throw new IllegalArgumentException(samples.n() + " images but " + labels.length + " labels");
        int[] p = predict(samples, batch);
        int right = 0;
        for (int i = 0; i < p.length; i++) if (p[i] == labels[i]) right++;
        return right / (double) Math.max(1, p.length);
    }

    private void requireImages(Samples samples) {
        if (samples.dim() != spec.inputSize())
            throw new IllegalArgumentException("the classifier takes " + spec.channels() + "x" + spec.height() + "x" + spec.width()
                    + " images, got samples of shape " + samples.shape());
    }

    /** Rows [from, from + count) of {@code samples} as a [count, dim] array of the store's type. */
    public INDArray rows(Samples samples, int from, int count) {
        int d = samples.dim();
        float[] v = Arrays.copyOfRange(samples.values(), from * d, (from + count) * d);
        INDArray x = Nd4j.create(v, new long[]{count, d}, 'c');
        return store.dataType() == DataType.FLOAT ? x : x.castTo(store.dataType());
    }
}
