package dev.sftpg.cluster;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.Points;
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

/** A briefly pretrained reference-toy model shared by the cluster tests (pretrained once per JVM). */
public final class TinyModels {
    static final List<String> SETS = List.of("pretrain.steps=1500", "pretrain.logEvery=500", "data.size=4000");
    private static Path pretrained;

    private TinyModels() {
    }

    static Config config(String... extra) {
        List<String> sets = new ArrayList<>(SETS);
        sets.addAll(List.of(extra));
        return ConfigLoader.load("swissroll-reference", sets, Map.of());
    }

    public static synchronized Path pretrained() throws Exception {
        if (pretrained != null) return pretrained;
        Nd4jRuntime.configure();
        Path dir = Files.createTempDirectory("sftpg-tiny").resolve("pretrained");
        Config config = config();
        Points data = new Diffusion(config).trainingSet();
        Pretrainer.Result r = new Pretrainer(config, data).run(new PrintStream(OutputStream.nullOutputStream()), null);
        PretrainedModel.save(dir, config, r.network(), r.ema(), r.optimizerState(), r.steps(), r.finalLoss(), Map.of());
        pretrained = dir;
        return dir;
    }
}
