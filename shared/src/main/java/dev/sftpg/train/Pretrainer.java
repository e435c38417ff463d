package dev.sftpg.train;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.EpochSampler;
import dev.sftpg.data.Samples;
import dev.sftpg.io.ProgressBar;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.Ema;
import dev.sftpg.nn.Optimizer;
import dev.sftpg.schedule.NoiseSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintStream;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * DDPM pretraining by noise prediction ("behaviour cloning" of the reverse chain): epochs over the training
 * set in shuffled batches, t uniform (paired with T-1-t when antithetic, as the reference does),
 * loss = mean (eps - eps_theta(sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, t))^2.
 */
public final class Pretrainer {

    /** The outcome: trained network, EMA weights (null when disabled), optimiser state and the loss curve. */
    public record Result(Network network, float[] ema, float[] optimizerState, long steps, double finalLoss,
                         double[] lossCurve, int logEvery, double seconds) {
    }

    /** Where a resumed run starts: raw weights, EMA (null when disabled), optimiser state, step and loss curve so far. */
    public record Start(float[] params, float[] ema, float[] optimizerState, long step, double[] lossCurve) {
    }

    /** Receives the state every {@code pretrain.checkpointEvery} steps, to publish a checkpoint a resume can start from. */
    public interface CheckpointSink {
        void save(Result soFar) throws java.io.IOException;
    }

    private final Config config;
    private final Diffusion diffusion;
    private final Samples data;

    public Pretrainer(Config config, Samples data) {
        this.config = config;
        this.diffusion = new Diffusion(config);
        this.data = data;
    }

    public Result run(PrintStream log, LongConsumer onStep) {
        try {
            return run(log, onStep, null, null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Trains from scratch, or from {@code resume} up to {@code pretrain.steps}. A resumed run restores weights, EMA and
     * optimiser state exactly; its batches and noise are drawn afresh from (pretrain.seed, step), so it is not
     * bit-identical to a run that was never interrupted.
     */
    public Result run(PrintStream log, LongConsumer onStep, Start resume, CheckpointSink sink) throws java.io.IOException {
        int steps = config.get(ConfigSchema.PRETRAIN_STEPS);
        int batch = config.get(ConfigSchema.PRETRAIN_BATCH);
        int logEvery = config.get(ConfigSchema.PRETRAIN_LOG_EVERY);
        double emaDecay = config.get(ConfigSchema.PRETRAIN_EMA);
        boolean antithetic = config.get(ConfigSchema.PRETRAIN_ANTITHETIC);
        NoiseSchedule schedule = diffusion.schedule();
        int bigT = schedule.steps();
        int dim = data.dim();

        int checkpointEvery = config.get(ConfigSchema.PRETRAIN_CHECKPOINT_EVERY);
        Network net = diffusion.epsilonSpec(data.shape()).build(config.get(ConfigSchema.MODEL_SEED));
        Optimizer opt = new Optimizer(net.parameters(), Optimizer.Kind.parse(config.get(ConfigSchema.PRETRAIN_OPTIMIZER)),
                config.get(ConfigSchema.PRETRAIN_LR), config.get(ConfigSchema.PRETRAIN_GRAD_CLIP));
        long first = 0;
        if (resume != null) {
            if (resume.step() >= steps)
                throw new IllegalArgumentException("the checkpoint is at step " + resume.step() + ", not before pretrain.steps="
                        + steps + "; raise pretrain.steps to train on");
            net.parameters().setFloats(resume.params());
            opt.restore(resume.optimizerState(), (int) resume.step());
            first = resume.step();
        }
        Ema ema = emaDecay > 0 ? new Ema(net.parameters(), emaDecay) : null;
        if (ema != null && resume != null && resume.ema() != null) ema.restore(resume.ema());

        float[] sqrtAbar = new float[bigT], sqrtOneMinus = new float[bigT];
        for (int t = 0; t < bigT; t++) {
            sqrtAbar[t] = (float) Math.sqrt(schedule.alphaBar(t));
            sqrtOneMinus[t] = (float) Math.sqrt(1 - schedule.alphaBar(t));
        }
        long seed = config.get(ConfigSchema.PRETRAIN_SEED);
        SplittableRandom rng = new SplittableRandom(first == 0 ? seed : seed * 1_000_003L + first);
        EpochSampler epochs = new EpochSampler(data, rng);
        float[] xHost = new float[batch * dim], epsHost = new float[batch * dim], tau = new float[batch];
        int[] t = new int[batch];
        INDArray diff = Nd4j.create(DataType.FLOAT, batch, dim);
        // the batch goes into kept arrays; with the Vector API the loss and its gradient are one fused loop
        boolean fused = dev.sftpg.nn.simd.Simd.AVAILABLE && !"false".equals(System.getProperty("sftpg.fusedMlp"));
        INDArray xKept = Nd4j.create(DataType.FLOAT, batch, dim), epsKept = Nd4j.create(DataType.FLOAT, batch, dim);
        double[] curve = new double[(steps + logEvery - 1) / logEvery];
        if (resume != null && resume.lossCurve() != null)
            System.arraycopy(resume.lossCurve(), 0, curve, 0, Math.min(curve.length, resume.lossCurve().length));
        double windowLoss = 0, lastLoss = Double.NaN;
        int windowCount = 0;
        ProgressBar bar = new ProgressBar("pretrain", steps, log).resumedFrom(first);
        long start = System.nanoTime();
        for (int step = (int) first; step < steps; step++) {
            int half = batch / 2 + 1;
            for (int i = 0; i < batch; i++) {
                int row = epochs.nextIndex();
                if (antithetic) t[i] = i < half ? rng.nextInt(bigT) : bigT - 1 - t[i - half];
                else t[i] = rng.nextInt(bigT);
                tau[i] = t[i];
                for (int d = 0; d < dim; d++) {
                    float e = (float) rng.nextGaussian();
                    epsHost[i * dim + d] = e;
                    xHost[i * dim + d] = sqrtAbar[t[i]] * data.values()[row * dim + d] + sqrtOneMinus[t[i]] * e;
                }
            }
            double loss;
            if (fused) {
                dev.sftpg.nn.simd.MlpKernels.put(xKept, xHost);
                dev.sftpg.nn.simd.MlpKernels.put(epsKept, epsHost);
                INDArray out = net.forward(xKept, tau);
                loss = dev.sftpg.nn.simd.MlpKernels.squaredErrorGradient(out, epsKept, diff, (float) (2.0 / ((double) batch * dim)))
                        / ((double) batch * dim);
            } else {
                INDArray x = Nd4j.create(xHost, new long[]{batch, dim}, DataType.FLOAT);
                INDArray eps = Nd4j.create(epsHost, new long[]{batch, dim}, DataType.FLOAT);
                INDArray out = net.forward(x, tau);
                out.sub(eps, diff);
                double norm = diff.norm2Number().doubleValue();
                loss = norm * norm / ((double) batch * dim);
                diff.muli(2.0 / ((double) batch * dim));
            }
            net.backward(diff);
            opt.step();
            if (ema != null) ema.update(net.parameters());
            windowLoss += loss;
            windowCount++;
            if ((step + 1) % logEvery == 0 || step == steps - 1) {
                lastLoss = windowLoss / windowCount;
                curve[step / logEvery] = lastLoss;
                windowLoss = 0;
                windowCount = 0;
            }
            if (onStep != null) onStep.accept(step + 1);
            bar.update(step + 1, Double.isNaN(lastLoss) ? "" : String.format("loss %.4f", lastLoss));
            if (sink != null && checkpointEvery > 0 && (step + 1) % checkpointEvery == 0 && step + 1 < steps)
                sink.save(result(net, ema, opt, step + 1, lastLoss, java.util.Arrays.copyOf(curve, (step + 1) / logEvery), logEvery, start));
        }
        Result r = result(net, ema, opt, steps, lastLoss, curve, logEvery, start);
        bar.finish(String.format("loss %.4f, %.1f steps/s", lastLoss, (steps - first) / r.seconds()));
        return r;
    }

    private Result result(Network net, Ema ema, Optimizer opt, long step, double loss, double[] curve, int logEvery, long start) {
        return new Result(net, ema == null ? null : ema.toFloats(), opt.state().dup().data().asFloat(), step, loss, curve, logEvery,
                (System.nanoTime() - start) / 1e9);
    }
}
