package dev.sftpg.train;

import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.FashionMnist;
import dev.sftpg.data.SampleShape;
import dev.sftpg.fid.FidClassifier;
import dev.sftpg.nn.conv.UNet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pretrained image DDPM the project ships in models/fashion-mnist: intact, as documented, and what the preset uses. */
class ShippedPretrainedModelTest {
    /** Tests run in the module's folder; the models are at the project root. */
    private static final Path SHIPPED = Path.of("..", "models", "fashion-mnist");

    @Test
    void weightsMatchTheDigestInTheirProvenanceAndThePresetUsesThem() throws Exception {
        String readme = Files.readString(SHIPPED.resolve("README.md"));
        String digest = FidClassifier.sha256(SHIPPED.resolve(PretrainedModel.WEIGHTS_FILE));
        assertTrue(readme.contains(digest), "the README records the weights' SHA-256 " + digest);
        assertTrue(Files.size(SHIPPED.resolve(PretrainedModel.WEIGHTS_FILE)) < 4 << 20, "a few MB at most");
        assertTrue(readme.contains("./sftpg pretrain --config fashion-mnist"), "the command that reproduces it");
        assertEquals("models/fashion-mnist", ConfigLoader.load("fashion-mnist", List.of(), Map.of()).get(ConfigSchema.FINETUNE_PRETRAINED));
    }

    @Test
    void loadsAsAUNetOverFashionMnistAndSamplesInRange() {
        boolean present = FashionMnist.FILES.stream().allMatch(f -> Files.isRegularFile(FashionMnist.DEFAULT_FOLDER.resolve(f + ".gz"))
                || Files.isRegularFile(FashionMnist.DEFAULT_FOLDER.resolve(f)));
        Assumptions.assumeTrue(present, "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_FOLDER + " (apt-get install "
                + FashionMnist.PACKAGE + "): the shipped model's task cannot be built");
        PretrainedModel model = PretrainedModel.load(SHIPPED);
        assertEquals(SampleShape.image(1, 28, 28), model.shape());
        assertInstanceOf(UNet.class, model.network());
        float[] x = model.diffusion().sampler("ddim-10").sampleFinal(model.network(), 8, 8, 1);
        double mean = 0;
        for (float v : x) mean += v;
        mean /= x.length;
        // Fashion-MNIST's pixels average about -0.43 in [-1, 1] (mostly black background); noise would average 0
        assertTrue(mean < -0.2 && mean > -0.8, "mean pixel of 8 samples: " + mean);
    }
}
