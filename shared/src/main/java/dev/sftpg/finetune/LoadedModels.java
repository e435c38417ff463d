package dev.sftpg.finetune;

import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.SampleShape;
import dev.sftpg.nn.Network;
import dev.sftpg.sampler.Sampler;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.PretrainedModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What `eval` and `sample` can point at: a pretrained model directory, an SFT-PG checkpoint directory, or a whole
 * run folder (its best checkpoint, else its latest). The fine-tuned policy is sampled as {@code sft-pg-S}; every
 * other sampler uses the pretrained network, so one table compares them all.
 */
public record LoadedModels(Config config, Diffusion diffusion, SampleShape shape, Network pretrained, Network finetuned,
                           long policyVersion, Path source) {

    public static LoadedModels load(Path path) {
        Path dir = resolve(path);
        if (!FinetuneCheckpoint.isOne(dir)) {
            PretrainedModel p = PretrainedModel.load(dir);
            return new LoadedModels(p.config(), p.diffusion(), p.shape(), p.network(), null, 0, dir);
        }
        FinetuneCheckpoint ck = FinetuneCheckpoint.read(dir);
        Config config = ck.config();
        Path pretrainedDir = PretrainedModel.dirFor(config);
        Network pretrained = null;
        SampleShape shape;
        Diffusion diffusion = new Diffusion(config);
        if (Files.isDirectory(pretrainedDir)) {
            PretrainedModel p = PretrainedModel.load(pretrainedDir);
            pretrained = p.network();
            shape = p.shape();
        } else {
            shape = diffusion.task().shape();
        }
        Network policy = diffusion.epsilonSpec(shape).build(0);
        float[] w = ck.tensor("policy.params");
        if (w.length != policy.parameters().size())
            throw new CheckpointException(dir.resolve(FinetuneCheckpoint.STATE_FILE), "holds " + w.length
                    + " policy weights but the network in config.json has " + policy.parameters().size() + " (wrong shapes)");
        policy.parameters().setFloats(w);
        return new LoadedModels(config, diffusion, shape, pretrained, policy, ck.policyVersion(), dir);
    }

    /** A run folder resolves to checkpoints/best, else the newest checkpoints/step-N. */
    private static Path resolve(Path path) {
        Path ckpts = path.resolve("checkpoints");
        if (!Files.isDirectory(ckpts)) return path;
        if (FinetuneCheckpoint.isOne(ckpts.resolve("best"))) return ckpts.resolve("best");
        try (Stream<Path> s = Files.list(ckpts)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-") && FinetuneCheckpoint.isOne(p))
                    .max(Comparator.naturalOrder())
                    .orElseThrow(() -> new CheckpointException(path, "is a run folder without checkpoints",
                            "let the run write one (train.checkpointEvery) or point --checkpoint at a pretrained model", null));
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot list its checkpoints: " + e.getMessage());
        }
    }

    /** Values per sample. */
    public int dim() {
        return shape.size();
    }

    public String finetunedName() {
        return "sft-pg-" + diffusion.policySampler().steps();
    }

    /** The preset's samplers, plus the fine-tuned policy when there is one. */
    public String defaultSamplers() {
        String base = config.get(ConfigSchema.EVAL_SAMPLERS);
        if (finetuned == null) return base;
        return pretrained == null ? finetunedName() : base + "," + finetunedName();
    }

    /** The sampler of that name: the fine-tuned policy's record for {@code sft-pg-S}, else any of {@link Diffusion#samplerByName}. */
    public Sampler sampler(String name) {
        if (name.trim().startsWith("sft-pg")) {
            if (finetuned == null)
                throw new IllegalArgumentException("sampler " + name + " needs a fine-tuned checkpoint; " + source + " is a pretrained model");
            if (!name.trim().equals(finetunedName()))
                throw new IllegalArgumentException("this run fine-tuned " + finetunedName() + "; it cannot be sampled as " + name);
            return diffusion.policySampler();
        }
        if (pretrained == null)
            throw new IllegalArgumentException("sampler " + name + " uses the pretrained model, which is not at the path in "
                    + "finetune.pretrained of " + source + "; only " + finetunedName() + " can be evaluated here");
        return diffusion.samplerByName(name);
    }

    public Network network(String samplerName) {
        return samplerName.trim().startsWith("sft-pg") ? finetuned : pretrained;
    }
}
