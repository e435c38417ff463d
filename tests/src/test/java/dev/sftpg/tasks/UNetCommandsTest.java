package dev.sftpg.tasks;

import dev.sftpg.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image DDPM's commands on a tiny UNet over synthetic 8x8 bars: pretraining with periodic checkpoints, going on
 * with --resume, every sampler kind in eval, and samples as an image grid and a NumPy file; and the refusals.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UNetCommandsTest {
    private static final List<String> TINY_UNET = List.of("data.source=bars", "data.size=512", "model.kind=unet", "model.widths=8,8",
            "model.timeEmbedding=8", "pretrain.batchSize=32", "pretrain.logEvery=10", "pretrain.checkpointEvery=20",
            "pretrain.lr=0.002", "diffusion.steps=100", "eval.n=100", "eval.seeds=2", "eval.batch=100");

    record Run(int code, String out, String err) {
    }

    private static Run run(List<String> sets, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        sets.forEach(s -> all.addAll(List.of("--set", s)));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<String> with(String... more) {
        List<String> l = new ArrayList<>(TINY_UNET);
        l.addAll(List.of(more));
        return l;
    }

    @Test
    void pretrainResumeEvalAndSampleOnAUNet(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("pretrained");
        Run first = run(with("pretrain.steps=40"), "pretrain", "--config", "toy-images", "--out", out.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.err().contains("unet net"), first.err());
        assertTrue(first.err().contains("checkpoint at step 20"), first.err());
        assertTrue(Files.readString(out.resolve("loss.csv")).startsWith("step,loss\n10,"));

        Run again = run(with("pretrain.steps=60"), "pretrain", "--config", "toy-images", "--out", out.toString(), "--resume");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("resuming " + out + " from step 40 of 60"), again.err());
        assertTrue(again.out().contains("20 steps in"), again.out());
        assertEquals(7, Files.readAllLines(out.resolve("loss.csv")).size(), "the loss log goes on: header and 6 rows");

        Run eval = run(List.of(), "eval", "--checkpoint", out.toString(), "--samplers", "fastdpm-10,ddim-8,dpm-solver-3-10",
                "--set", "eval.n=100", "--set", "eval.seeds=2", "--set", "eval.batch=100");
        assertEquals(0, eval.code(), eval.err());
        for (String s : List.of("fastdpm-10", "ddim-8", "dpm-solver-3-10", "data")) assertTrue(eval.out().contains(s), eval.out());

        Path png = dir.resolve("grid.png"), npy = dir.resolve("samples.npy");
        assertEquals(0, run(List.of(), "sample", "--checkpoint", out.toString(), "--n", "16", "--sampler", "fastdpm-10", "--out", png.toString()).code());
        assertNotNull(ImageIO.read(png.toFile()));
        Run sample = run(List.of(), "sample", "--checkpoint", out.toString(), "--n", "16", "--sampler", "ddim-8", "--out", npy.toString());
        assertEquals(0, sample.code(), sample.err());
        byte[] bytes = Files.readAllBytes(npy);
        String header = new String(bytes, 10, 100, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (16, 1, 8, 8)"), header);
    }

    @Test
    void aUNetOnPointsAndAResumeWithNothingToResumeAreRefused(@TempDir Path dir) {
        Run points = run(List.of("model.kind=unet", "pretrain.steps=5"), "pretrain", "--out", dir.resolve("p").toString());
        assertEquals(2, points.code(), points.err());
        assertTrue(points.err().contains("model.kind=unet needs images") && points.err().contains("model.kind=sinusoidal"), points.err());
        assertFalse(points.err().contains("\tat "), "no stack trace");

        Run nothing = run(with("pretrain.steps=5"), "pretrain", "--config", "toy-images", "--out", dir.resolve("none").toString(), "--resume");
        assertEquals(2, nothing.code(), nothing.err());
        assertTrue(nothing.err().contains("holds no checkpoint to go on from"), nothing.err());

        Run widths = run(with("model.widths=8,x"), "pretrain", "--config", "toy-images", "--out", dir.resolve("w").toString());
        assertEquals(2, widths.code(), widths.err());
        assertTrue(widths.err().contains("model.widths") && widths.err().contains("e.g. 16,32,32"), widths.err());
    }
}
