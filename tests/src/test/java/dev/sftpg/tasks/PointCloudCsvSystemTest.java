package dev.sftpg.tasks;

import dev.sftpg.cli.Main;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A user's own point cloud, end to end, exactly as the README tells: `run` with data.source=csv pretrains on the file's
 * training part, fine-tunes, evaluates on the held-out part and serves the dashboard; then `eval` and `sample` work on
 * the run folder. For 2 and 3 columns (a 3-column cloud is drawn by its first two coordinates).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PointCloudCsvSystemTest {

    /** A noisy ring in the plane, or a helix around the third axis. */
    static Path cloud(Path dir, int columns, int rows) throws Exception {
        SplittableRandom rng = new SplittableRandom(columns);
        StringBuilder b = new StringBuilder(columns == 2 ? "x,y\n" : "x,y,z\n");
        for (int i = 0; i < rows; i++) {
            double t = 2 * Math.PI * rng.nextDouble();
            double x = 0.5 * Math.cos(t) + 0.02 * rng.nextGaussian(), y = 0.5 * Math.sin(t) + 0.02 * rng.nextGaussian();
            b.append(String.format(Locale.ROOT, "%.5f,%.5f", x, y));
            if (columns == 3) b.append(String.format(Locale.ROOT, ",%.5f", t / Math.PI - 1 + 0.02 * rng.nextGaussian()));
            b.append('\n');
        }
        return Files.writeString(dir.resolve("cloud" + columns + ".csv"), b.toString());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aCsvPointCloudTrainsEndToEnd(int columns, @TempDir Path dir) throws Exception {
        Path csv = cloud(dir, columns, 3000), runDir = dir.resolve("run");
        int port = 18950 + columns;
        List<String> sets = List.of("data.source=csv", "data.path=" + csv, "finetune.pretrained=" + dir.resolve("pretrained"), "pretrain.steps=1500", "pretrain.logEvery=500",
                "train.maxGeneratorSteps=300", "train.evalEvery=100", "train.evalN=1000", "eval.n=1000", "eval.seeds=2", "train.maxMinutes=4",
                "cluster.port=" + (5900 + 10 * columns), "dashboard.port=" + port, "dashboard.token=t");
        List<String> args = new java.util.ArrayList<>(List.of("run", "--config", "swissroll-reference", "--run-dir", runDir.toString()));
        sets.forEach(s -> args.addAll(List.of("--set", s)));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.run(args.toArray(String[]::new),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));

        // the dashboard draws the cloud by its first two coordinates, whatever its dimension
        JsonObject samples = DashboardSamples.await(port, run, 240);
        if (samples == null) fail("no samples on the dashboard\n" + err.toString(StandardCharsets.UTF_8) + DashboardSamples.whatWasSeen());
        JsonObject data = samples.getJsonObject("data"), policy = samples.getJsonObject("samples");
        assertEquals("points", data.getString("kind"));
        assertEquals(new JsonArray().add(columns), data.getJsonArray("shape"));
        assertEquals(4000, policy.getJsonArray("xy").size(), "2,000 samples as x,y pairs");

        assertEquals(0, run.get(4, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("pretraining it first"), log);
        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        double init = report.getJsonObject("init").getJsonObject("swd").getDouble("mean");
        double floor = report.getJsonObject("init").getJsonObject("dataFloor").getDouble("mean");
        double fin = report.getJsonObject("final").getJsonObject("swd").getDouble("mean");
        assertTrue(floor > 0 && floor < init && Double.isFinite(fin), report.encodePrettily());
        assertEquals(3, report.getJsonArray("curve").size(), "periodic at 100 and 200, final at 300");
        try (var pngs = Files.list(runDir.resolve("samples"))) {
            assertTrue(pngs.anyMatch(p -> p.toString().endsWith(".png")));
        }

        ByteArrayOutputStream evalOut = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[]{"eval", "--checkpoint", runDir.toString(), "--n", "500", "--seeds", "1", "--json"},
                new PrintStream(evalOut, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true)));
        JsonArray rows = new JsonObject(evalOut.toString(StandardCharsets.UTF_8)).getJsonArray("samplers");
        assertEquals("sft-pg-10", rows.getJsonObject(1).getString("name"));
        assertEquals("data", rows.getJsonObject(rows.size() - 1).getString("name"));

        Path sampled = dir.resolve("samples.csv");
        assertEquals(0, Main.run(new String[]{"sample", "--checkpoint", runDir.toString(), "--sampler", "sft-pg-10", "--n", "300",
                "--out", sampled.toString()}, new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(new ByteArrayOutputStream(), true)));
        List<String> lines = Files.readAllLines(sampled);
        assertEquals(301, lines.size());
        assertEquals(columns, lines.get(1).split(",").length);
        Path png = dir.resolve("samples.png");
        assertEquals(0, Main.run(new String[]{"sample", "--checkpoint", runDir.toString(), "--sampler", "sft-pg-10", "--n", "300",
                "--out", png.toString()}, new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(new ByteArrayOutputStream(), true)));
        assertTrue(Files.size(png) > 1000);
    }
}
