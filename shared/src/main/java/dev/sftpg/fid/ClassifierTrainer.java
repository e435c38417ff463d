package dev.sftpg.fid;

import dev.sftpg.data.Samples;
import dev.sftpg.io.ProgressBar;
import dev.sftpg.nn.Optimizer;
import dev.sftpg.nn.conv.Classifier;
import dev.sftpg.nn.conv.ClassifierSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains a {@link Classifier} by minibatch Adam on softmax cross-entropy: each epoch visits every training image once
 * in a fresh seeded order (the last, smaller batch included), then measures accuracy on the test images.
 */
public final class ClassifierTrainer {

    /** Epochs, batch size, Adam learning rate and the seed of initialisation and shuffling. */
    public record Settings(int epochs, int batchSize, double learningRate, long seed) {
        public Settings {
            if (epochs < 1 || batchSize < 1 || !(learningRate > 0))
                throw new IllegalArgumentException("bad classifier training settings " + epochs + " epochs, batch " + batchSize + ", lr " + learningRate);
        }
    }

    /** What one epoch did: mean training loss over its batches, accuracy on the test images, seconds spent training. */
    public record Epoch(int epoch, double trainLoss, double testAccuracy, double trainSeconds, double testSeconds) {
    }

    public record Result(Classifier network, Epoch[] epochs, double seconds) {

        public double testAccuracy() {
            return epochs[epochs.length - 1].testAccuracy();
        }
    }

    private ClassifierTrainer() {
    }

    /**
     * Trains a fresh network of {@code spec}; {@code log} (null for silence) gets a progress bar per epoch and one
     * line per epoch with the training loss and the test accuracy.
     */
    public static Result train(ClassifierSpec spec, Settings s, Samples train, int[] trainLabels, Samples test, int[] testLabels,
                               PrintStream log) {
        if (train.n() != trainLabels.length || test.n() != testLabels.length)
            throw new IllegalArgumentException("images and labels differ in number");
        long start = System.nanoTime();
        Classifier net = spec.build(DataType.FLOAT, s.seed());
        Optimizer opt = new Optimizer(net.parameters(), Optimizer.Kind.ADAM, s.learningRate(), 0);
        SplittableRandom rng = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + 1);
        int n = train.n(), d = train.dim(), steps = (n + s.batchSize() - 1) / s.batchSize();
        Epoch[] epochs = new Epoch[s.epochs()];
        int[] order = new int[n];
        for (int e = 0; e < s.epochs(); e++) {
            long epochStart = System.nanoTime();
            for (int i = 0; i < n; i++) order[i] = i;
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            ProgressBar bar = log == null ? null : new ProgressBar(String.format(Locale.ROOT, "classifier epoch %d/%d", e + 1, s.epochs()), steps, log);
            double lossSum = 0, recent = Double.NaN;
            for (int step = 0; step < steps; step++) {
                int from = step * s.batchSize(), b = Math.min(s.batchSize(), n - from);
                float[] x = new float[b * d];
                int[] y = new int[b];
                for (int i = 0; i < b; i++) {
                    int k = order[from + i];
                    System.arraycopy(train.values(), k * d, x, i * d, d);
                    y[i] = trainLabels[k];
                }
                INDArray batch = Nd4j.create(x, new long[]{b, d}, 'c');
                double loss = net.trainBatch(batch, y);
                opt.step();
                lossSum += loss;
                recent = Double.isNaN(recent) ? loss : 0.9 * recent + 0.1 * loss;
                if (bar != null) bar.update(step + 1, String.format(Locale.ROOT, "loss %.4f", recent));
            }
            double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
            if (bar != null) bar.finish(String.format(Locale.ROOT, "loss %.4f", lossSum / steps));
            long testStart = System.nanoTime();
            double acc = net.accuracy(test, testLabels, FidClassifier.BATCH);
            epochs[e] = new Epoch(e + 1, lossSum / steps, acc, trainSeconds, (System.nanoTime() - testStart) / 1e9);
            if (log != null)
                log.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, test accuracy %.2f%% (%d images), %.0f s training + %.0f s testing%n",
                        e + 1, s.epochs(), lossSum / steps, 100 * acc, test.n(), trainSeconds, epochs[e].testSeconds());
        }
        return new Result(net, epochs, (System.nanoTime() - start) / 1e9);
    }
}
