package dev.sftpg.tasks;

import dev.sftpg.cluster.TinyModels;
import dev.sftpg.faults.Faults;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The synthetic image task through every role on the clustered bus: the run process hosts the learners, a `worker`
 * node the rollout worker and another the dashboard. The run writes image-grid PNGs, its primary metric improves, and
 * the dashboard serves image grids, not floats.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ImageTaskSystemTest {
    private static final int HTTP_PORT = 18961;

    @Test
    void theImageTaskRunsThroughEveryRoleAndImproves(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String cluster = "sftpg-images-test";
        List<String> args = new ArrayList<>(List.of("run", "--config", "toy-images", "--run-dir", runDir.toString(),
                "--roles", "discriminator,value,generator", "--no-dashboard"));
        List<String> sets = new ArrayList<>(TinyModels.IMAGE_SETS);
        sets.addAll(List.of("finetune.pretrained=" + TinyModels.pretrainedImages(), "train.maxGeneratorSteps=60",
                "train.evalEvery=30", "train.evalN=1000", "eval.n=1000", "eval.seeds=2", "train.maxMinutes=4", "cluster.name=" + cluster,
                "cluster.port=5971"));
        sets.forEach(s -> args.addAll(List.of("--set", s)));
        ByteArrayOutputStream err = new ByteArrayOutputStream(), workerErr = new ByteArrayOutputStream(), dashErr = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = Faults.inBackground(args.toArray(String[]::new), err);
        // the other nodes join once the run's cluster is up (its initial evaluation comes first)
        long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!err.toString(StandardCharsets.UTF_8).contains("add rollout workers with") && !run.isDone() && System.nanoTime() < up)
            Thread.sleep(250);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("add rollout workers with"), err.toString(StandardCharsets.UTF_8));
        CompletableFuture<Integer> worker = Faults.inBackground(new String[]{"worker", "--role", "rollout", "--cluster-name", cluster,
                "--port", "5971", "--join-timeout", "60"}, workerErr);
        CompletableFuture<Integer> dashboard = Faults.inBackground(new String[]{"worker", "--role", "dashboard", "--cluster-name", cluster,
                "--port", "5971", "--join-timeout", "60", "--http-port", Integer.toString(HTTP_PORT)}, dashErr);

        // the dashboard's sample panel is a grid of images beside real ones
        JsonObject samples = DashboardSamples.await(HTTP_PORT, run, 200);
        if (samples == null) fail("no samples on the dashboard\n" + err.toString(StandardCharsets.UTF_8) + dashErr.toString(StandardCharsets.UTF_8)
                + DashboardSamples.whatWasSeen());
        assertEquals("images", samples.getJsonObject("data").getString("kind"));
        assertEquals("images", samples.getJsonObject("samples").getString("kind"));
        BufferedImage grid = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(samples.getJsonObject("samples").getString("png"))));
        assertTrue(grid.getWidth() >= 64 && grid.getHeight() >= 64, grid.getWidth() + "x" + grid.getHeight());

        assertEquals(0, run.get(4, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, worker.get(1, TimeUnit.MINUTES), workerErr.toString(StandardCharsets.UTF_8));
        assertEquals(0, dashboard.get(1, TimeUnit.MINUTES), dashErr.toString(StandardCharsets.UTF_8));

        JsonObject report = new JsonObject(Files.readString(runDir.resolve("report.json")));
        double init = report.getJsonObject("init").getJsonObject("swd").getDouble("mean");
        double fin = report.getJsonObject("final").getJsonObject("swd").getDouble("mean");
        assertTrue(fin < init, "the primary metric (SWD on pixels) improves: " + init + " -> " + fin);
        assertTrue(report.getJsonObject("perWorkerBatches").fieldNames().stream().anyMatch(w -> w.startsWith("w")),
                "the rollouts came from the worker node: " + report.getJsonObject("perWorkerBatches"));
        assertEquals(0, report.getLong("rejectedMessages"));
        try (var pngs = Files.list(runDir.resolve("samples"))) {
            for (Path p : pngs.filter(p -> p.toString().endsWith(".png")).toList()) {
                BufferedImage img = ImageIO.read(p.toFile());
                assertTrue(img.getWidth() > img.getHeight(), p + " is samples beside data: " + img.getWidth() + "x" + img.getHeight());
            }
        }
    }
}
