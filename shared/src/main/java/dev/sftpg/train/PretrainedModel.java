package dev.sftpg.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.checkpoint.Tensor;
import dev.sftpg.checkpoint.TensorFile;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigException;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.SampleShape;
import dev.sftpg.io.AtomicFiles;
import dev.sftpg.nn.Network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A pretrained DDPM on disk: a directory with {@code config.json} (the full configuration that trained it) and
 * {@code model.sftpg} (raw and EMA weights, optimiser state, step), published atomically as a whole.
 */
public record PretrainedModel(Config config, Diffusion diffusion, Network network, SampleShape shape, long step) {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.sftpg";
    private static final String FORMAT = "sftpg-ddpm";

    /** Where a preset's pretrained model lives unless told otherwise: {@code runs/<preset>/pretrained}. */
    public static Path defaultDir(Config config) {
        return Path.of("runs", config.presetName(), "pretrained");
    }

    /** The pretrained model a fine-tuning run starts from: {@code finetune.pretrained}, else {@link #defaultDir}. */
    public static Path dirFor(Config config) {
        String configured = config.get(dev.sftpg.config.ConfigSchema.FINETUNE_PRETRAINED);
        return configured.isEmpty() ? defaultDir(config) : dev.sftpg.io.InstalledFiles.resolve(configured);
    }

    /**
     * Writes the checkpoint directory atomically (a crash leaves the previous one or none, never half of one).
     * {@code extraFiles} maps file names to text written beside the weights (e.g. the loss log).
     */
    public static void save(Path dir, Config config, Network net, float[] ema, float[] optimizerState, long step,
                            double finalLoss, Map<String, String> extraFiles) throws IOException {
        save(dir, config, net, ema, optimizerState, step, finalLoss, null, extraFiles);
    }

    /** As above, keeping the loss curve in the weights file too, so a resumed run's log goes on from it. */
    public static void save(Path dir, Config config, Network net, float[] ema, float[] optimizerState, long step,
                            double finalLoss, double[] lossCurve, Map<String, String> extraFiles) throws IOException {
        ObjectNode meta = new ObjectMapper().createObjectNode();
        meta.put("format", FORMAT);
        meta.put("step", step);
        SampleShape shape = new Diffusion(config).task().shape();
        if (shape.size() != net.inputDim())
            throw new IllegalArgumentException("network takes " + net.inputDim() + " values, the task's samples are " + shape);
        var dims = meta.putArray("sampleShape");
        for (int d : shape.dims()) dims.add(d);
        meta.put("parameters", net.parameters().size());
        meta.put("configHash", config.hash());
        meta.put("finalLoss", finalLoss);
        meta.put("weights", ema != null ? "ema" : "raw");
        List<Tensor> tensors = new java.util.ArrayList<>();
        tensors.add(Tensor.vector("params", net.parameters().toFloats()));
        if (ema != null) tensors.add(Tensor.vector("ema", ema));
        if (optimizerState != null) tensors.add(Tensor.vector("optimizer", optimizerState));
        if (lossCurve != null) {
            float[] curve = new float[lossCurve.length];
            for (int i = 0; i < curve.length; i++) curve[i] = (float) lossCurve[i];
            tensors.add(Tensor.vector("lossCurve", curve));
        }
        AtomicFiles.writeDirectory(dir, tmp -> {
            Files.writeString(tmp.resolve(CONFIG_FILE), config.toJson());
            TensorFile.write(tmp.resolve(WEIGHTS_FILE), meta.toString(), tensors);
            for (Map.Entry<String, String> e : extraFiles.entrySet()) Files.writeString(tmp.resolve(e.getKey()), e.getValue());
        });
    }

    /** Loads the sampling weights (EMA when present). Every problem is a {@link CheckpointException} naming the fix. */
    public static PretrainedModel load(Path dir) {
        if (Files.isRegularFile(dir))
            throw new CheckpointException(dir, "is a file, not a checkpoint directory", "point --checkpoint at the directory "
                    + "that holds " + CONFIG_FILE + " and " + WEIGHTS_FILE
                    + (dir.toAbsolutePath().getParent() == null ? "" : " (" + dir.toAbsolutePath().getParent() + "?)"), null);
        if (!Files.isDirectory(dir))
            throw new CheckpointException(dir, "no such checkpoint directory",
                    "run `sftpg pretrain --out " + dir + "` first or point --checkpoint at an existing one", null);
        Path cfgFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(cfgFile))
            throw new CheckpointException(dir, "missing " + CONFIG_FILE + " (not a pretrained model directory)");
        try {
            new ObjectMapper().readTree(cfgFile.toFile()); // syntax first, so the message speaks of a checkpoint, not a preset
        } catch (JsonProcessingException e) {
            throw new CheckpointException(cfgFile, "is not valid JSON: " + ConfigLoader.jsonProblem(e)
                    + " (was it edited by hand or cut short?)");
        } catch (IOException e) {
            throw new CheckpointException(cfgFile, "cannot be read (" + (e.getMessage() == null ? "I/O error" : e.getMessage()) + ")",
                    "check its permissions, or point --checkpoint at another directory", null);
        }
        Config config;
        try {
            config = ConfigLoader.load(cfgFile.toString(), List.of(), Map.of());
        } catch (ConfigException e) {
            throw new CheckpointException(cfgFile, "its configuration is invalid: " + e.getMessage().replace("\n", "; "));
        }
        TensorFile.Contents contents = TensorFile.read(dir.resolve(WEIGHTS_FILE));
        SampleShape shape;
        long step;
        String trainedWith;
        try {
            var meta = new ObjectMapper().readTree(contents.metadataJson());
            if (!FORMAT.equals(meta.path("format").asText()))
                throw new CheckpointException(dir.resolve(WEIGHTS_FILE), "not a pretrained DDPM (format '" + meta.path("format").asText() + "')");
            shape = shapeOf(meta);
            step = meta.path("step").asLong();
            trainedWith = meta.path("configHash").asText("");
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(WEIGHTS_FILE), "unreadable metadata: " + e.getMessage());
        }
        if (shape == null) throw new CheckpointException(dir.resolve(WEIGHTS_FILE), "metadata lacks the sample shape");
        Diffusion diffusion = new Diffusion(config);
        SampleShape taskShape;
        try {
            taskShape = diffusion.task().shape();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(cfgFile, "its data cannot be loaded: " + e.getMessage(),
                    "restore the data file it names, or point --checkpoint at another directory", null);
        }
        if (!taskShape.equals(shape))
            throw new CheckpointException(dir.resolve(WEIGHTS_FILE), "holds a model of samples of shape " + shape + " but its "
                    + CONFIG_FILE + " describes a task of shape " + taskShape + " (data.source=" + config.get(ConfigSchema.DATA_SOURCE) + ")",
                    "restore the config.json written with these weights, or pretrain a model for this task", null);
        Network net = diffusion.epsilonSpec(shape).build(0);
        Tensor weights = contents.tensors().containsKey("ema") ? contents.tensor("ema") : contents.tensor("params");
        if (weights.data().length != net.parameters().size())
            throw new CheckpointException(dir.resolve(WEIGHTS_FILE), "holds " + weights.data().length
                    + " weights but the network that " + cfgFile + " describes (" + architecture(config) + ") has "
                    + net.parameters().size() + " (wrong shapes: "
                    + (trainedWith.isEmpty() || trainedWith.equals(config.hash())
                    ? "config.json and the weights disagree)"
                    : "config.json is not the configuration these weights were trained with; was it edited or copied from another checkpoint?)"),
                    "restore the config.json written with these weights, re-run pretrain, or point --checkpoint at another directory",
                    null);
        net.parameters().setFloats(weights.data());
        return new PretrainedModel(config, diffusion, net, shape, step);
    }

    /** What decides pretraining's outcome: a resume must agree on these keys ... */
    private static final java.util.List<String> PRETRAINING_PREFIXES = java.util.List.of("data.", "diffusion.", "model.", "pretrain.");
    /** ... but for how long it goes on and how often it logs and checkpoints. */
    private static final java.util.Set<String> RESUMABLE_CHANGES =
            java.util.Set.of("pretrain.steps", "pretrain.logEvery", "pretrain.checkpointEvery");

    /**
     * The state {@code pretrain --resume} goes on from: raw weights, EMA, optimiser moments, step and loss curve. The
     * data, diffusion, model and pretraining keys must equal those the checkpoint was written with, but for the ones that
     * say how long to train and how often to log or checkpoint; fine-tuning and evaluation keys may differ.
     */
    public static Pretrainer.Start resumeState(Path dir, Config config) {
        PretrainedModel model = load(dir);
        java.util.List<String> changed = new java.util.ArrayList<>(model.config().differingKeys(config));
        changed.removeIf(k -> RESUMABLE_CHANGES.contains(k) || PRETRAINING_PREFIXES.stream().noneMatch(k::startsWith));
        if (!changed.isEmpty())
            throw new CheckpointException(dir.resolve(CONFIG_FILE), "was written with other settings than this run's: "
                    + String.join(", ", changed.stream().map(k -> k + " (" + model.config().values().get(k) + " there, "
                    + config.values().get(k) + " here)").toList()),
                    "resume with the data, diffusion, model and pretrain settings the checkpoint was trained with (of these only "
                            + "pretrain.steps, pretrain.logEvery and pretrain.checkpointEvery may change), or pretrain afresh "
                            + "into another --out", null);
        TensorFile.Contents contents = TensorFile.read(dir.resolve(WEIGHTS_FILE));
        if (!contents.tensors().containsKey("optimizer"))
            throw new CheckpointException(dir.resolve(WEIGHTS_FILE), "holds no optimiser state, so training cannot go on from it",
                    "pretrain afresh into another --out", null);
        float[] ema = contents.tensors().containsKey("ema") ? contents.tensor("ema").data() : null;
        double[] curve = null;
        if (contents.tensors().containsKey("lossCurve")) {
            float[] c = contents.tensor("lossCurve").data();
            curve = new double[c.length];
            for (int i = 0; i < c.length; i++) curve[i] = c[i];
        }
        return new Pretrainer.Start(contents.tensor("params").data(), ema, contents.tensor("optimizer").data(), model.step(), curve);
    }

    /** Values per sample. */
    public int dataDim() {
        return shape.size();
    }

    /** The sample shape from the metadata: {@code sampleShape}, or the {@code dataDim} of models written before shapes. */
    private static SampleShape shapeOf(com.fasterxml.jackson.databind.JsonNode meta) {
        var dims = meta.path("sampleShape");
        if (dims.isArray() && dims.size() > 0) {
            int[] d = new int[dims.size()];
            for (int i = 0; i < d.length; i++) d[i] = dims.get(i).asInt(-1);
            try {
                return SampleShape.of(d);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        int dim = meta.path("dataDim").asInt(-1);
        return dim < 1 ? null : SampleShape.vector(dim);
    }

    /** The keys that decide the network's shapes, as "key=value" for messages. */
    private static String architecture(Config config) {
        return "model.kind=" + config.get(ConfigSchema.MODEL_KIND) + ", model.hidden=" + config.get(ConfigSchema.MODEL_HIDDEN)
                + ", model.layers=" + config.get(ConfigSchema.MODEL_LAYERS) + ", model.timeEmbedding="
                + config.get(ConfigSchema.MODEL_TIME_EMBEDDING) + ", diffusion.steps=" + config.get(ConfigSchema.DIFFUSION_STEPS);
    }
}
