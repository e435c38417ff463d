package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Samples;
import dev.sftpg.task.Task;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Pretrainer;
import dev.sftpg.train.PretrainedModel;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code sftpg pretrain}: DDPM noise-prediction training, then an atomically written checkpoint directory. */
final class PretrainCommand {
    private final PrintStream out, err;

    PretrainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws Exception {
        Args args = Args.parse("pretrain", argv, 1, Set.of("config", "out"), Set.of("resume"));
        Config config = ConfigLoader.load(args.get("config"), args.sets(), System.getenv());
        Path outDir = args.get("out") != null ? Path.of(args.get("out")) : PretrainedModel.defaultDir(config);
        Pretrainer.Start resume = null;
        if (args.flag("resume")) {
            if (!Files.isDirectory(outDir))
                throw new UsageException("pretrain --resume: " + outDir + " holds no checkpoint to go on from; "
                        + "run pretrain without --resume first (give the same --out)");
            resume = PretrainedModel.resumeState(outDir, config);
            err.printf("pretrain: resuming %s from step %,d of %,d%n", outDir, resume.step(), config.get(ConfigSchema.PRETRAIN_STEPS));
        }
        Pretrainer.Result r = pretrain(config, outDir, err, resume);
        long done = r.steps() - (resume == null ? 0 : resume.step());
        out.printf("pretrained %s: %,d steps in %.1f s (%.1f steps/s), final loss %.4f -> %s%n", config.presetName(),
                done, r.seconds(), done / r.seconds(), r.finalLoss(), outDir);
        return Main.OK;
    }

    /**
     * The checkpoint directory replaces {@code outDir} as a whole, so it may only be new, empty, or an earlier
     * checkpoint: refused up front rather than after training (or, worse, by deleting somebody's folder).
     */
    static void checkOutDir(Path outDir) throws java.io.IOException {
        if (Files.isRegularFile(outDir))
            throw new UsageException("pretrain: --out " + outDir + " is a file; give a directory for the checkpoint "
                    + "(e.g. --out runs/mine/pretrained)");
        if (Files.isDirectory(outDir)) {
            boolean checkpoint = Files.isRegularFile(outDir.resolve(PretrainedModel.CONFIG_FILE))
                    && Files.isRegularFile(outDir.resolve(PretrainedModel.WEIGHTS_FILE));
            boolean empty;
            try (var entries = Files.list(outDir)) {
                empty = entries.findAny().isEmpty();
            }
            if (!checkpoint && !empty)
                throw new UsageException("pretrain: --out " + outDir + " is a directory that holds other files, not a "
                        + "checkpoint; pretrain replaces its --out as a whole, so give a new directory (e.g. --out "
                        + outDir.resolve("pretrained") + ") or an earlier checkpoint");
            return;
        }
        for (Path p = outDir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) return;
            if (Files.exists(p))
                throw new UsageException("pretrain: --out " + outDir + " cannot be created because " + p
                        + " is a file, not a directory; choose another --out");
        }
    }

    /** Trains, writes the checkpoint directory (with the loss log and a sample plot), and returns the result. */
    static Pretrainer.Result pretrain(Config config, Path outDir, PrintStream err) throws Exception {
        return pretrain(config, outDir, err, null);
    }

    static Pretrainer.Result pretrain(Config config, Path outDir, PrintStream err, Pretrainer.Start resume) throws Exception {
        checkOutDir(outDir);
        Diffusion diffusion = new Diffusion(config);
        SamplerRecord policy = diffusion.policySampler(); // validates the sampler settings before training
        Task task = diffusion.task(); // reads and splits a data file: refused here, before any training
        Samples data = diffusion.trainingSet();
        Nd4jRuntime.configureFor(task.isImage());
        dev.sftpg.nn.Network probe = diffusion.epsilonSpec(data.shape()).build(0);
        err.printf("pretrain %s: %d %s samples of shape %s, T=%d %s betas %.0e..%.0e, %s net (%,d params), %,d steps of %d, %s -> %s%n",
                config.presetName(), data.n(), config.get(ConfigSchema.DATA_SOURCE), data.shape(), diffusion.schedule().steps(),
                config.get(ConfigSchema.DIFFUSION_SCHEDULE), config.get(ConfigSchema.DIFFUSION_BETA_START),
                config.get(ConfigSchema.DIFFUSION_BETA_END), config.get(ConfigSchema.MODEL_KIND), probe.parameters().size(),
                config.get(ConfigSchema.PRETRAIN_STEPS), config.get(ConfigSchema.PRETRAIN_BATCH), Nd4jRuntime.describe(), outDir);

        Pretrainer.CheckpointSink sink = soFar -> {
            save(config, outDir, soFar);
            err.printf("pretrain: checkpoint at step %,d (loss %.4f) -> %s%n", soFar.steps(), soFar.finalLoss(), outDir);
        };
        Pretrainer.Result r = new Pretrainer(config, data).run(err, null, resume, sink);
        save(config, outDir, r);

        // a quick look at what the few-step policy produces from this checkpoint
        PretrainedModel saved = PretrainedModel.load(outDir);
        int n = task.isImage() ? 100 : 2000;
        Samples samples = new Samples(n, data.shape(), TrajectorySampler.sampleFinal(saved.network(), policy, n, n, 1));
        if (task.isImage() || data.dim() >= 2)
            task.renderer().writePng(outDir.resolve("samples-" + policy.name() + ".png"), samples, data,
                    config.presetName() + " pretrained, " + policy.name(), 600);
        return r;
    }

    private static void save(Config config, Path outDir, Pretrainer.Result r) throws java.io.IOException {
        StringBuilder lossCsv = new StringBuilder("step,loss\n");
        for (int i = 0; i < r.lossCurve().length; i++)
            lossCsv.append(Math.min((long) (i + 1) * r.logEvery(), r.steps())).append(',').append(r.lossCurve()[i]).append('\n');
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("loss.csv", lossCsv.toString());
        PretrainedModel.save(outDir, config, r.network(), r.ema(), r.optimizerState(), r.steps(), r.finalLoss(), r.lossCurve(), extra);
    }
}
