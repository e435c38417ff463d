package dev.sftpg.cli;

import dev.sftpg.nn.Optimizer;
import dev.sftpg.nn.conv.UNet;
import dev.sftpg.nn.conv.UNetSpec;
import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * sftpg's side of {@code bench --unet}: the image UNet's training step and its forward pass, the loops that
 * {@code bench/unet_twin.py} runs in PyTorch. A training step noises a fixed batch of images (uniform in [-1, 1])
 * at random steps of the T = 1000 linear schedule, predicts the noise, and takes the MSE gradient, the backward
 * pass and an Adam step (lr 2e-4, no clipping); a forward is one evaluation of a batch, what one sampler step
 * costs per image.
 */
final class UNetBench {
    static final int STEPS = 1000;
    private final UNetSpec spec;
    private final UNet net;
    private final Optimizer opt;
    private final double[] sqrtAb, sqrt1m;
    private final INDArray x0, xt, eps, grad, aCol, sCol, xf;
    private final float[] tau, tauF;
    private final Random random;
    private final JsonObject twinSpec;

    UNetBench(UNetSpec spec, int trainBatch, int forwardBatch, long seed) {
        this.spec = spec;
        net = spec.build(seed, DataType.FLOAT);
        // the twin's input, taken before any step changes the weights
        twinSpec = twinSpec(spec, net);
        opt = new Optimizer(net.parameters(), Optimizer.Kind.ADAM, 2e-4, 0);
        double[] ab = NoiseSchedule.of(BetaSchedule.LINEAR, STEPS, 1e-4, 0.02).alphaBars();
        sqrtAb = Arrays.stream(ab).map(Math::sqrt).toArray();
        sqrt1m = Arrays.stream(ab).map(a -> Math.sqrt(1 - a)).toArray();
        random = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        int dim = spec.sampleSize();
        x0 = Nd4j.rand(DataType.FLOAT, trainBatch, dim).muli(2).subi(1);
        xt = Nd4j.create(DataType.FLOAT, trainBatch, dim);
        eps = Nd4j.create(DataType.FLOAT, trainBatch, dim);
        grad = Nd4j.create(DataType.FLOAT, trainBatch, dim);
        aCol = Nd4j.create(DataType.FLOAT, trainBatch, 1);
        sCol = Nd4j.create(DataType.FLOAT, trainBatch, 1);
        tau = new float[trainBatch];
        xf = Nd4j.randn(DataType.FLOAT, forwardBatch, dim);
        tauF = new float[forwardBatch];
        for (int i = 0; i < forwardBatch; i++) tauF[i] = random.nextInt(STEPS);
    }

    long parameters() {
        return net.parameters().size();
    }

    JsonObject twinSpec() {
        return twinSpec;
    }

    /** Training images per second over {@code steps} steps. */
    double train(int steps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) step();
        return (double) steps * x0.size(0) / ((System.nanoTime() - t0) / 1e9);
    }

    /** Images per second over {@code batches} forward passes. */
    double forward(int batches) {
        long t0 = System.nanoTime();
        for (int i = 0; i < batches; i++) net.forward(xf, tauF);
        return (double) batches * xf.size(0) / ((System.nanoTime() - t0) / 1e9);
    }

    private void step() {
        int b = (int) x0.size(0);
        float[] a = new float[b], s = new float[b];
        for (int i = 0; i < b; i++) {
            int t = random.nextInt(STEPS);
            tau[i] = t;
            a[i] = (float) sqrtAb[t];
            s[i] = (float) sqrt1m[t];
        }
        aCol.assign(Nd4j.create(a, new long[]{b, 1}, DataType.FLOAT));
        sCol.assign(Nd4j.create(s, new long[]{b, 1}, DataType.FLOAT));
        Nd4j.randn(eps);
        xt.assign(x0).muliColumnVector(aCol).addi(eps.mulColumnVector(sCol));
        net.forward(xt, tau).sub(eps, grad).muli(2.0 / grad.length());
        net.backward(grad);
        opt.step();
    }

    /**
     * The architecture, the parameter count, names and shapes in the flat layout, the weights, and the network's
     * output for a small check input: the twin rebuilds the network, loads the weights and compares outputs.
     */
    private static JsonObject twinSpec(UNetSpec spec, UNet net) {
        JsonObject arch = new JsonObject().put("channels", spec.channels()).put("height", spec.height()).put("width", spec.width())
                .put("widths", new JsonArray(Arrays.stream(spec.widths()).boxed().toList())).put("timeEmbedding", spec.timeEmbedding());
        JsonArray layout = new JsonArray();
        for (Map.Entry<String, long[]> e : net.parameters().shapes().entrySet())
            layout.add(new JsonObject().put("name", e.getKey()).put("shape", new JsonArray(Arrays.stream(e.getValue()).boxed().toList())));
        int n = 4;
        Random r = new Random(7);
        float[] x = new float[n * spec.sampleSize()];
        for (int i = 0; i < x.length; i++) x[i] = 2 * r.nextFloat() - 1;
        float[] tau = {0.5f, 10f, 400f, 999f};
        float[] y = net.forward(Nd4j.create(x, new long[]{n, spec.sampleSize()}, DataType.FLOAT), tau).dup().data().asFloat();
        JsonObject check = new JsonObject().put("batch", n).put("x", floats(x)).put("tau", floats(tau)).put("y", floats(y));
        return new JsonObject().put("architecture", arch).put("parameters", net.parameters().size()).put("layout", layout)
                .put("weights", floats(net.parameters().toFloats())).put("check", check);
    }

    private static JsonArray floats(float[] v) {
        JsonArray a = new JsonArray();
        for (float f : v) a.add(f);
        return a;
    }

    @Override
    public String toString() {
        return spec.toString();
    }
}
