package dev.sftpg.train;

import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.Samples;
import dev.sftpg.nn.conv.UNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Periodic pretraining checkpoints and going on from them, on a tiny UNet over 8x8 bar images. */
class PretrainResumeTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Config config(int steps, String... more) {
        List<String> sets = new ArrayList<>(List.of("data.source=bars", "data.size=256", "model.kind=unet", "model.widths=8,8",
                "model.timeEmbedding=8", "pretrain.batchSize=16", "pretrain.logEvery=4", "pretrain.checkpointEvery=8",
                "pretrain.steps=" + steps, "pretrain.lr=0.002"));
        sets.addAll(List.of(more));
        return ConfigLoader.load("toy-images", sets, Map.of());
    }

    @Test
    void checkpointsCarryEverythingAResumeNeedsAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        Config first = config(16);
        Samples data = new Diffusion(first).trainingSet();
        Path out = dir.resolve("pretrained");
        List<Long> published = new ArrayList<>();
        List<float[]> publishedWeights = new ArrayList<>();
        Pretrainer.Result r = new Pretrainer(first, data).run(QUIET, null, null, soFar -> {
            published.add(soFar.steps());
            publishedWeights.add(soFar.network().parameters().toFloats());
            PretrainedModel.save(out, first, soFar.network(), soFar.ema(), soFar.optimizerState(), soFar.steps(),
                    soFar.finalLoss(), soFar.lossCurve(), Map.of());
        });
        assertEquals(List.of(8L), published, "a checkpoint every 8 steps, none at the end (the command writes that one)");
        assertInstanceOf(UNet.class, r.network());

        Pretrainer.Start start = PretrainedModel.resumeState(out, config(24));
        assertEquals(8, start.step());
        assertArrayEquals(publishedWeights.get(0), start.params(), "raw weights, not the EMA, are trained on");
        assertNotNull(start.ema());
        assertFalse(java.util.Arrays.equals(start.params(), start.ema()), "the EMA is kept beside the raw weights");
        assertEquals(2, start.lossCurve().length, "the loss curve up to the checkpoint");

        Pretrainer.Result resumed = new Pretrainer(config(24), data).run(QUIET, null, start, null);
        assertEquals(24, resumed.steps());
        assertEquals(6, resumed.lossCurve().length);
        assertEquals(start.lossCurve()[1], resumed.lossCurve()[1], 1e-6, "the curve goes on from the checkpoint's");
        for (double l : resumed.lossCurve()) assertTrue(l > 0 && Double.isFinite(l), "loss " + l);
        assertTrue(resumed.lossCurve()[5] < resumed.lossCurve()[0], "training goes on: " + java.util.Arrays.toString(resumed.lossCurve()));
    }

    @Test
    void aResumeRefusesOtherSettingsAndACheckpointAtOrBeyondTheEnd(@TempDir Path dir) throws Exception {
        Config cfg = config(8);
        Samples data = new Diffusion(cfg).trainingSet();
        Pretrainer.Result r = new Pretrainer(cfg, data).run(QUIET, null);
        Path out = dir.resolve("pretrained");
        PretrainedModel.save(out, cfg, r.network(), r.ema(), r.optimizerState(), r.steps(), r.finalLoss(), r.lossCurve(), Map.of());

        CheckpointException other = assertThrows(CheckpointException.class,
                () -> PretrainedModel.resumeState(out, config(16, "pretrain.lr=0.01")));
        assertTrue(other.getMessage().contains("pretrain.lr (0.002 there, 0.01 here)"), other.getMessage());

        Pretrainer.Start start = PretrainedModel.resumeState(out, config(8, "finetune.lr=0.001", "eval.n=50"));
        assertEquals(8, start.step(), "fine-tuning and evaluation settings do not bear on pretraining");
        IllegalArgumentException done = assertThrows(IllegalArgumentException.class,
                () -> new Pretrainer(config(8), data).run(QUIET, null, start, null));
        assertTrue(done.getMessage().contains("raise pretrain.steps"), done.getMessage());
    }
}
