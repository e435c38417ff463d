package dev.sftpg.nn.conv;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mean softmax cross-entropy of logits [B, K] against integer labels, and its gradient (softmax - onehot) / B,
 * computed stably (log-sum-exp after subtracting each row's maximum) in double.
 */
public final class SoftmaxCrossEntropy {

    public record Result(double loss, INDArray gradient) {
    }

    private SoftmaxCrossEntropy() {
    }

    public static Result of(INDArray logits, int[] labels) {
        if (logits.rank() != 2 || logits.size(0) != labels.length)
            throw new IllegalArgumentException("logits " + java.util.Arrays.toString(logits.shape()) + " for " + labels.length + " labels");
        int b = (int) logits.size(0), k = (int) logits.size(1);
        double[] z = logits.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] g = new double[b * k];
        double loss = 0;
        for (int i = 0; i < b; i++) {
            int y = labels[i];
            if (y < 0 || y >= k) throw new IllegalArgumentException("label " + y + " is not one of the " + k + " classes");
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, z[i * k + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(z[i * k + j] - max);
            double logSum = max + Math.log(sum);
            loss += logSum - z[i * k + y];
            for (int j = 0; j < k; j++) g[i * k + j] = (Math.exp(z[i * k + j] - logSum) - (j == y ? 1 : 0)) / b;
        }
        INDArray grad = Nd4j.createFromArray(g).reshape(b, k).castTo(logits.dataType());
        return new Result(loss / b, grad);
    }
}
