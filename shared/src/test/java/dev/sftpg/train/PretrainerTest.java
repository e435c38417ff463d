package dev.sftpg.train;

import dev.sftpg.data.SampleShape;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.Samples;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.nn.Nd4jRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PretrainerTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** The settings `pretrain` runs 2-D work with: one libnd4j master thread, so reductions split one way only. */
    @BeforeAll
    static void configureAsTheCommandDoes() {
        Nd4jRuntime.configure();
    }

    private static Config preset(String name) {
        return ConfigLoader.load(name, List.of("pretrain.steps=600", "pretrain.logEvery=100", "data.size=2000"), Map.of());
    }

    @Test
    void noisePredictionLossFalls() {
        // T = 1000: at large t the noise is almost the input, so a learning net quickly gets far below 1
        Config config = preset("swissroll");
        Pretrainer.Result r = new Pretrainer(config, new Diffusion(config).trainingSet()).run(QUIET, null);
        double[] curve = r.lossCurve();
        assertEquals(6, curve.length);
        assertTrue(curve[5] < 0.5 * curve[0] && curve[5] < 0.3, "loss should fall: " + java.util.Arrays.toString(curve));
        assertNotNull(r.ema());
    }

    @Test
    void referenceToyRunsAreReproducible() {
        Config config = preset("swissroll-reference");
        Samples data = new Diffusion(config).trainingSet();
        Pretrainer.Result a = new Pretrainer(config, data).run(QUIET, null);
        Pretrainer.Result b = new Pretrainer(config, data).run(QUIET, null);
        assertArrayEquals(a.network().parameters().toFloats(), b.network().parameters().toFloats(), "same seeds, same weights");
        assertNull(a.ema(), "the reference preset keeps raw weights");
    }

    @Test
    void checkpointRoundTripSamplesIdenticallyAndRefusesMismatchedShapes(@TempDir Path dir) throws Exception {
        Config config = ConfigLoader.load("swissroll", List.of("pretrain.steps=50", "data.size=500", "model.hidden=16",
                "model.layers=2", "pretrain.logEvery=10"), Map.of());
        Samples data = new Diffusion(config).trainingSet();
        Pretrainer.Result r = new Pretrainer(config, data).run(QUIET, null);
        Path ckpt = dir.resolve("ckpt");
        PretrainedModel.save(ckpt, config, r.network(), r.ema(), r.optimizerState(), r.steps(), r.finalLoss(), Map.of());
        PretrainedModel loaded = PretrainedModel.load(ckpt);
        assertEquals(config.values(), loaded.config().values());
        assertEquals(50, loaded.step());

        // the loaded network carries the EMA weights
        var shadow = new Diffusion(config).epsilonSpec(SampleShape.vector(2)).build(0);
        shadow.parameters().setFloats(r.ema());
        var rec = loaded.diffusion().policySampler();
        assertArrayEquals(TrajectorySampler.sampleFinal(shadow, rec, 64, 64, 5),
                TrajectorySampler.sampleFinal(loaded.network(), rec, 64, 64, 5));

        // a config.json that describes another network than the weights
        Files.writeString(ckpt.resolve("config.json"), Files.readString(ckpt.resolve("config.json"))
                .replace("\"hidden\" : 16", "\"hidden\" : 32"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> PretrainedModel.load(ckpt));
        assertTrue(e.getMessage().contains("wrong shapes"), e.getMessage());
    }
}
