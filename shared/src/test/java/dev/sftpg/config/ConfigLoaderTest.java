package dev.sftpg.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConfigLoaderTest {

    private static ConfigException refused(String preset, List<String> sets, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(preset, sets, env));
    }

    @Test
    void everyBuiltInPresetLoadsAndRoundTripsThroughJson(@TempDir Path dir) throws Exception {
        for (String name : ConfigLoader.builtInPresets()) {
            Config c = ConfigLoader.load(name, List.of(), Map.of());
            assertEquals(name, c.presetName());
            Path file = dir.resolve(name + ".json");
            Files.writeString(file, c.toJson());
            Config again = ConfigLoader.load(file.toString(), List.of(), Map.of());
            assertEquals(c.values(), again.values(), name);
            assertEquals(c.hash(), again.hash());
        }
    }

    @Test
    void precedenceIsDefaultsThenPresetThenEnvironmentThenSet() {
        Config preset = ConfigLoader.load("swissroll-reference", List.of(), Map.of());
        assertEquals(10, preset.get(ConfigSchema.DIFFUSION_STEPS));
        assertEquals(128, preset.get(ConfigSchema.PRETRAIN_BATCH));
        Config env = ConfigLoader.load("swissroll-reference", List.of(), Map.of("SFTPG_PRETRAIN_BATCHSIZE", "64"));
        assertEquals(64, env.get(ConfigSchema.PRETRAIN_BATCH));
        Config set = ConfigLoader.load("swissroll-reference", List.of("pretrain.batchSize=32"), Map.of("SFTPG_PRETRAIN_BATCHSIZE", "64"));
        assertEquals(32, set.get(ConfigSchema.PRETRAIN_BATCH));
        assertNotEquals(preset.hash(), set.hash());
        // launcher variables and unrelated variables are not config
        assertDoesNotThrow(() -> ConfigLoader.load(null, List.of(), Map.of("SFTPG_JAVA_OPTS", "-Xmx1g", "PATH", "/bin")));
    }

    @Test
    void unknownKeysAreRefusedWithASuggestionAndTheirOrigin() {
        ConfigException e = refused(null, List.of("pretrain.stpes=5"), Map.of());
        assertTrue(e.getMessage().contains("unknown config key 'pretrain.stpes' (--set)"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'pretrain.steps'"), e.getMessage());
        ConfigException env = refused(null, List.of(), Map.of("SFTPG_PRETRAIN_STPES", "5"));
        assertTrue(env.getMessage().contains("SFTPG_PRETRAIN_STPES"), env.getMessage());
        assertTrue(refused(null, List.of("nonsense"), Map.of()).getMessage().contains("key=value"));
    }

    @Test
    void illTypedAndOutOfRangeValuesNameTheKeyAndTheAllowedRange() {
        String[][] cases = {
                {"pretrain.batchSize=0", "pretrain.batchSize", ">= 1"},
                {"pretrain.steps=-3", "pretrain.steps", ">= 1"},
                {"pretrain.lr=0", "pretrain.lr", "> 0"},
                {"pretrain.lr=fast", "pretrain.lr", "not a number"},
                {"pretrain.gradClip=-0.5", "pretrain.gradClip", ">= 0"},
                {"sampler.kappa=1.5", "sampler.kappa", "0 .. 1"},
                {"diffusion.schedule=cosine", "diffusion.schedule", "linear, quadratic, sigmoid"},
                {"pretrain.antithetic=maybe", "pretrain.antithetic", "true or false"},
                {"model.timeEmbedding=31", "model.timeEmbedding", "even"},
                {"critic.kind=cnn", "critic.kind", "auto, mlp, conv"},
                {"critic.widths=64,wide", "critic.widths", "comma-separated"},
        };
        for (String[] c : cases) {
            ConfigException e = refused(null, List.of(c[0]), Map.of());
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
        }
        // all problems at once
        ConfigException both = refused(null, List.of("pretrain.lr=0", "pretrain.batchSize=0"), Map.of());
        assertEquals(2, both.getMessage().lines().count(), both.getMessage());
    }

    @Test
    void inconsistentCombinationsAreRefused() {
        assertTrue(refused(null, List.of("data.source=csv"), Map.of()).getMessage().contains("data.path"));
        assertTrue(refused(null, List.of("finetune.lrSchedule=cosine", "train.maxGeneratorSteps=0"), Map.of()).getMessage()
                .contains("finetune.lrDecaySteps"));
        assertEquals("cosine", ConfigLoader.load(null, List.of("finetune.lrSchedule=cosine"), Map.of()).get(ConfigSchema.FINETUNE_LR_SCHEDULE));
        assertTrue(refused(null, List.of("model.kind=reference-toy"), Map.of()).getMessage().contains("continuous"));
        assertTrue(refused(null, List.of("critic.kind=conv"), Map.of()).getMessage().contains("conv needs images"));
        assertTrue(refused(null, List.of("diffusion.betaStart=0.1", "diffusion.betaEnd=0.01"), Map.of()).getMessage().contains("end"));
        for (String factor : List.of("0.5", "1"))
            assertTrue(refused(null, List.of("train.collapseFactor=" + factor), Map.of()).getMessage().contains("above 1"), factor);
        assertTrue(refused(null, List.of("train.collapseFactor=-2"), Map.of()).getMessage().contains("train.collapseFactor"));
        assertEquals(2.0, ConfigLoader.load(null, List.of("train.collapseFactor=2"), Map.of()).get(ConfigSchema.TRAIN_COLLAPSE_FACTOR));
        assertEquals(0.0, ConfigLoader.load(null, List.of(), Map.of()).get(ConfigSchema.TRAIN_COLLAPSE_FACTOR), "off unless asked for");
        assertTrue(refused(null, List.of("finetune.importanceClip=1"), Map.of()).getMessage().contains("finetune.maxPolicyLag"));
        assertEquals(1.0, ConfigLoader.load(null, List.of("finetune.importanceClip=1", "finetune.maxPolicyLag=1"), Map.of())
                .get(ConfigSchema.FINETUNE_IMPORTANCE_CLIP));
    }

    @Test
    void badPresetsAreRefusedWithTheReason(@TempDir Path dir) throws Exception {
        assertTrue(refused("no-such-preset", List.of(), Map.of()).getMessage().contains("swissroll"));
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{ \"pretrain\": { \"steps\": 5, }");
        assertTrue(refused(broken.toString(), List.of(), Map.of()).getMessage().contains("not valid JSON"));
        Path typo = dir.resolve("typo.json");
        Files.writeString(typo, "{ \"pretrian\": { \"steps\": 5 } }");
        ConfigException e = refused(typo.toString(), List.of(), Map.of());
        assertTrue(e.getMessage().contains("pretrian.steps") && e.getMessage().contains("preset"), e.getMessage());
    }
}
