package dev.sftpg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sftpg.data.Samples;
import dev.sftpg.io.SamplesCsv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The commands end to end, in-process: a tiny pretrain, then eval, sample, and every refusal path. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CommandLineTest {
    private static final String[] TINY = {"--set", "pretrain.steps=300", "--set", "data.size=600", "--set", "model.hidden=24",
            "--set", "model.layers=2", "--set", "diffusion.steps=200", "--set", "pretrain.logEvery=100"};

    @TempDir
    static Path dir;
    static Path checkpoint;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @BeforeAll
    static void pretrainATinyModel() {
        checkpoint = dir.resolve("ckpt");
        Run r = run(concat(new String[]{"pretrain"}, concat(TINY, "--out", checkpoint.toString())));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pretrained swissroll: 300 steps"), r.out());
    }

    @Test
    @Order(1)
    void pretrainWritesACompleteCheckpointDirectory() throws Exception {
        assertTrue(Files.isRegularFile(checkpoint.resolve("config.json")));
        assertTrue(Files.isRegularFile(checkpoint.resolve("model.sftpg")));
        assertTrue(Files.readString(checkpoint.resolve("loss.csv")).startsWith("step,loss\n100,"));
        assertNotNull(ImageIO.read(checkpoint.resolve("samples-fastdpm-var-10.png").toFile()));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith(".")).count() + 1, "no temp leftovers");
        }
    }

    @Test
    @Order(2)
    void evalPrintsJsonWithEverySamplerAndTheDataFloor() throws Exception {
        Run r = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "ddpm-200,fastdpm-10,ddim-10",
                "--n", "400", "--seeds", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        JsonNode samplers = json.get("samplers");
        assertEquals(4, samplers.size());
        assertEquals("ddpm-200", samplers.get(0).get("name").asText());
        assertEquals(200, samplers.get(0).get("nfe").asInt());
        assertEquals(10, samplers.get(1).get("nfe").asInt());
        assertEquals("data", samplers.get(3).get("name").asText());
        for (JsonNode s : samplers) {
            assertTrue(s.get("swd").get("mean").asDouble() > 0, s.toString());
            assertTrue(s.get("swd").get("std").asDouble() >= 0, s.toString());
            assertTrue(Double.isFinite(s.get("mmd").asDouble()) && s.get("sharpness").asDouble() > 0, s.toString());
        }
        // a 300-step model is far from the data; the data's own draw is the floor
        assertTrue(samplers.get(3).get("swd").get("mean").asDouble() < samplers.get(1).get("swd").get("mean").asDouble());
        assertEquals(1.0, samplers.get(3).get("floorRatio").asDouble(), 1e-12);
        assertEquals(samplers.get(1).get("swd").get("mean").asDouble() / samplers.get(3).get("swd").get("mean").asDouble(),
                samplers.get(1).get("floorRatio").asDouble(), 1e-9);

        Run table = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "fastdpm-10", "--n", "200", "--seeds", "1");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("fastdpm-10") && table.out().contains("SWD") && table.out().contains("x floor"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("data ") && l.contains(" 1.00x ")), table.out());
    }

    @Test
    @Order(3)
    void sampleWritesCsvAndPng() throws Exception {
        Path csv = dir.resolve("s.csv"), png = dir.resolve("s.png");
        assertEquals(0, run("sample", "--checkpoint", checkpoint.toString(), "--sampler", "fastdpm-10", "--n", "250",
                "--out", csv.toString()).code());
        Samples p = SamplesCsv.read(csv);
        assertEquals(250, p.n());
        assertEquals(2, p.dim());
        assertEquals(0, run("sample", "--checkpoint", checkpoint.toString(), "--sampler", "ddim-10", "--n", "250",
                "--out", png.toString()).code());
        assertEquals(800, ImageIO.read(png.toFile()).getWidth());
        Run bad = run("sample", "--checkpoint", checkpoint.toString(), "--sampler", "ddim-10", "--out", dir.resolve("x.txt").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains(".csv, .npy or .png"), bad.err());
        Path npy = dir.resolve("s.npy");
        assertEquals(0, run("sample", "--checkpoint", checkpoint.toString(), "--sampler", "ddim-10", "--n", "250",
                "--out", npy.toString()).code());
        assertEquals(10 + 118 + 250 * 2 * 4, Files.size(npy), "a 128-byte .npy header, then 250 x 2 float32");
    }

    @Test
    @Order(4)
    void evalAndSampleTakeDpmSolversWithTheirNfe() throws Exception {
        Run r = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "ddim-8,dpm-solver-3-10,dpm-solver++-2m-8,dpm-solver-2-9-time",
                "--n", "200", "--seeds", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode samplers = new ObjectMapper().readTree(r.out()).get("samplers");
        String[] names = {"ddim-8", "dpm-solver-3-10", "dpm-solver++-2m-8", "dpm-solver-2-9-time", "data"};
        int[] nfe = {8, 10, 8, 9, 0};
        for (int i = 0; i < names.length; i++) {
            assertEquals(names[i], samplers.get(i).get("name").asText());
            assertEquals(nfe[i], samplers.get(i).get("nfe").asInt(), names[i]);
            assertTrue(Double.isFinite(samplers.get(i).get("swd").get("mean").asDouble()), names[i]);
        }
        Run table = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "fastdpm-10,dpm-solver++-2m-10", "--n", "200",
                "--seeds", "1");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().lines().anyMatch(l -> l.matches("dpm-solver\\+\\+-2m-10 +10 .*")), table.out());
        Path csv = dir.resolve("dpm.csv");
        assertEquals(0, run("sample", "--checkpoint", checkpoint.toString(), "--sampler", "dpm-solver-3-10", "--n", "120",
                "--out", csv.toString()).code());
        assertEquals(120, SamplesCsv.read(csv).n());
        Run unknown = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "dpm-solver-5-10");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("dpm-solver++-2m-NFE"), unknown.err());
    }

    @Test
    void badConfigIsRefusedWithExitTwoBeforeAnyWork() {
        Path out = dir.resolve("never");
        Run r = run("pretrain", "--set", "pretrain.stpes=5", "--set", "pretrain.batchSize=0", "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("did you mean 'pretrain.steps'"), r.err());
        assertTrue(r.err().contains("pretrain.batchSize"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace for user errors");
        assertFalse(Files.exists(out), "nothing written");
        assertEquals(2, run("pretrain", "--config", "nope").code());
        assertEquals(2, run("pretrain", "--bogus").code());
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("eval").code());
    }

    @Test
    void malformedCsvDataNamesTheFileAndLine() throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "x,y\n0.1,0.2\n0.3,abc\n");
        Run r = run("pretrain", "--set", "data.source=csv", "--set", "data.path=" + csv, "--out", dir.resolve("never2").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad.csv") && r.err().contains("line 3"), r.err());
    }

    @Test
    void missingOrCorruptCheckpointsAreRefusedWithTheFix() throws Exception {
        Run missing = run("eval", "--checkpoint", dir.resolve("nowhere").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("pretrain"), missing.err());

        Path copy = dir.resolve("corrupt");
        Files.createDirectories(copy);
        Files.copy(checkpoint.resolve("config.json"), copy.resolve("config.json"));
        byte[] weights = Files.readAllBytes(checkpoint.resolve("model.sftpg"));
        Files.write(copy.resolve("model.sftpg"), java.util.Arrays.copyOf(weights, weights.length / 2));
        Run truncated = run("eval", "--checkpoint", copy.toString());
        assertEquals(2, truncated.code());
        assertTrue(truncated.err().contains("truncated"), truncated.err());

        weights[weights.length / 2] ^= 0x55;
        Files.write(copy.resolve("model.sftpg"), weights);
        Run flipped = run("sample", "--checkpoint", copy.toString(), "--sampler", "fastdpm-10", "--out", dir.resolve("z.csv").toString());
        assertEquals(2, flipped.code());
        assertTrue(flipped.err().contains("corrupt"), flipped.err());
        assertFalse(Files.exists(dir.resolve("z.csv")));
    }

    @Test
    void unknownSamplersAreRefusedBeforeSampling() {
        Run r = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "fastdpm-10,euler-4");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("euler-4"), r.err());
        Run wrongT = run("eval", "--checkpoint", checkpoint.toString(), "--samplers", "ddpm-1000");
        assertEquals(2, wrongT.code());
        assertTrue(wrongT.err().contains("ddpm-200"), wrongT.err());
    }

    @Test
    void configCommandDocumentsEveryKey() {
        Run keys = run("config", "--keys");
        assertEquals(0, keys.code());
        assertTrue(keys.out().contains("`pretrain.steps`") && keys.out().contains("`sampler.kappa`"));
        Run resolved = run("config", "--config", "swissroll-reference", "--set", "pretrain.steps=7");
        assertEquals(0, resolved.code());
        assertTrue(resolved.out().contains("\"steps\" : 7"), resolved.out());
    }
    @Test
    void classifierPublishesOnlyAnAccurateEnoughClassifierWithItsProvenance() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(dev.sftpg.data.FashionMnist.DEFAULT_FOLDER),
                "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        Path out = dir.resolve("models").resolve("clf");
        String[] quick = {"classifier", "--out", out.toString(), "--epochs", "1", "--set", "classifier.trainImages=600"};
        Run weak = run(concat(quick, "--set", "classifier.minAccuracy=0.99"));
        assertEquals(1, weak.code(), weak.err());
        assertTrue(weak.err().contains("below classifier.minAccuracy 99.00%") && weak.err().contains("nothing was written"), weak.err());
        assertFalse(java.nio.file.Files.exists(out), "nothing published");

        Run ok = run(concat(quick, "--set", "classifier.minAccuracy=0"));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.err().contains("epoch 1/1: train loss ") && ok.err().contains("FID floor (first 10,000 training images"), ok.err());
        assertTrue(ok.out().startsWith("classifier: test accuracy "), ok.out());
        var meta = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("classifier.json").toFile());
        String sha = dev.sftpg.fid.FidClassifier.sha256(out.resolve("classifier.sftpg"));
        assertEquals(sha, meta.get("weightsSha256").asText());
        assertTrue(ok.out().contains(sha), ok.out());
        assertEquals(600, meta.get("training").get("trainImages").asInt());
        assertTrue(meta.get("testAccuracy").asDouble() > 0.3 && meta.get("trainTestFidFloor").asDouble() > 0, meta.toString());
        String readme = java.nio.file.Files.readString(out.resolve("README.md"));
        assertTrue(readme.contains("./sftpg classifier --out " + out + " --epochs 1 --set classifier.trainImages=600 --set classifier.minAccuracy=0")
                && readme.contains(sha), readme);
        assertEquals(meta.get("testAccuracy").asDouble(), dev.sftpg.fid.Fid.load(out.toString()).metadata().get("testAccuracy").asDouble());
    }
}
