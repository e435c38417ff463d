package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Points;
import dev.sftpg.io.ScatterPlot;
import dev.sftpg.nn.ConditionalMlp;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Pretrainer;
import dev.sftpg.train.PretrainedModel;

import java.io.PrintStream;
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
        Args args = Args.parse("pretrain", argv, 1, Set.of("config", "out"), Set.of());
        Config config = ConfigLoader.load(args.get("config"), args.sets(), System.getenv());
        Path outDir = args.get("out") != null ? Path.of(args.get("out")) : PretrainedModel.defaultDir(config);
        Pretrainer.Result r = pretrain(config, outDir, err);
        out.printf("pretrained %s: %,d steps in %.1f s (%.0f steps/s), final loss %.4f -> %s%n", config.presetName(),
                r.steps(), r.seconds(), r.steps() / r.seconds(), r.finalLoss(), outDir);
        return Main.OK;
    }

    /** Trains, writes the checkpoint directory (with the loss log and a sample plot), and returns the result. */
    static Pretrainer.Result pretrain(Config config, Path outDir, PrintStream err) throws Exception {
        Diffusion diffusion = new Diffusion(config);
        SamplerRecord policy = diffusion.policySampler(); // validates the sampler settings before training
        Points data = diffusion.trainingSet();
        Nd4jRuntime.configure();
        ConditionalMlp probe = diffusion.epsilonSpec(data.dim()).build(0);
        err.printf("pretrain %s: %d %s points, T=%d %s betas %.0e..%.0e, %s net (%,d params), %,d steps of %d, %s -> %s%n",
                config.presetName(), data.n(), config.get(ConfigSchema.DATA_SOURCE), diffusion.schedule().steps(),
                config.get(ConfigSchema.DIFFUSION_SCHEDULE), config.get(ConfigSchema.DIFFUSION_BETA_START),
                config.get(ConfigSchema.DIFFUSION_BETA_END), config.get(ConfigSchema.MODEL_KIND), probe.parameters().size(),
                config.get(ConfigSchema.PRETRAIN_STEPS), config.get(ConfigSchema.PRETRAIN_BATCH), Nd4jRuntime.describe(), outDir);

        Pretrainer.Result r = new Pretrainer(config, data).run(err, null);

        StringBuilder lossCsv = new StringBuilder("step,loss\n");
        for (int i = 0; i < r.lossCurve().length; i++)
            lossCsv.append(Math.min((long) (i + 1) * r.logEvery(), r.steps())).append(',').append(r.lossCurve()[i]).append('\n');
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("loss.csv", lossCsv.toString());
        PretrainedModel.save(outDir, config, r.network(), r.ema(), r.optimizerState(), r.steps(), r.finalLoss(), extra);

        // a quick look at what the few-step policy produces from this checkpoint
        PretrainedModel saved = PretrainedModel.load(outDir);
        int n = 2000;
        Points samples = new Points(n, data.dim(), TrajectorySampler.sampleFinal(saved.network(), policy, n, n, 1));
        if (data.dim() >= 2)
            ScatterPlot.writePng(outDir.resolve("samples-" + policy.name() + ".png"), samples, data,
                    config.presetName() + " pretrained, " + policy.name(), 600);
        return r;
    }
}
