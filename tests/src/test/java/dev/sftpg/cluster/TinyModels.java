package dev.sftpg.cluster;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.Samples;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Pretrainer;
import dev.sftpg.train.PretrainedModel;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Briefly pretrained models shared by the cluster tests (each pretrained once per JVM): a 2-D toy and an image one. */
public final class TinyModels {
    static final List<String> SETS = List.of("pretrain.steps=1500", "pretrain.logEvery=500", "data.size=4000");
    /** The image task in miniature: the toy-images preset with a narrower, briefly pretrained noise predictor. */
    public static final List<String> IMAGE_SETS = List.of("pretrain.steps=1500", "pretrain.logEvery=500", "data.size=2000",
            "model.hidden=128", "eval.samplers=fastdpm-10,ddim-10");
    private static Path pretrained, pretrainedImages;

    private TinyModels() {
    }

    static Config config(String... extra) {
        List<String> sets = new ArrayList<>(SETS);
        sets.addAll(List.of(extra));
        return ConfigLoader.load("swissroll-reference", sets, Map.of());
    }

    public static synchronized Path pretrained() throws Exception {
        if (pretrained == null) pretrained = pretrain(config());
        return pretrained;
    }

    /** The toy-images preset with {@link #IMAGE_SETS}: pass the same sets to runs on it. */
    public static Config imageConfig() {
        return ConfigLoader.load("toy-images", IMAGE_SETS, Map.of());
    }

    public static synchronized Path pretrainedImages() throws Exception {
        if (pretrainedImages == null) pretrainedImages = pretrain(imageConfig());
        return pretrainedImages;
    }

    private static Path pretrain(Config config) throws Exception {
        Nd4jRuntime.configure();
        Path dir = Files.createTempDirectory("sftpg-tiny").resolve("pretrained");
        Samples data = new Diffusion(config).trainingSet();
        Pretrainer.Result r = new Pretrainer(config, data).run(new PrintStream(OutputStream.nullOutputStream()), null);
        PretrainedModel.save(dir, config, r.network(), r.ema(), r.optimizerState(), r.steps(), r.finalLoss(), Map.of());
        return dir;
    }
}
