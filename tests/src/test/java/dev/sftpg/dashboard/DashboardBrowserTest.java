package dev.sftpg.dashboard;

import dev.sftpg.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dashboard in a real headless Chromium against a short real run: the page loads without errors, the charts
 * receive points (also after a reload), the cluster table lists the roles, a narrow window does not overflow,
 * and a screenshot lands in target/dashboard.png; on the image task the sample panel shows grids of images
 * (target/dashboard-images.png); on a Fashion-MNIST run the quality chart is the FID curve with the pretrained
 * sampler's FID and the data floor as lines (target/dashboard-fid.png).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");
    private static final int PORT = 18941, IMAGE_PORT = 18942, FID_PORT = 18943;

    @Test
    void thePageShowsTheRunLive(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "needs Debian's chromium and chromium-driver (.ci/run installs them)");
        Path pretrained = dev.sftpg.cluster.TinyModels.pretrained();
        String[] args = {"run", "--config", "swissroll-reference", "--run-dir", dir.resolve("run").toString(),
                "--set", "finetune.pretrained=" + pretrained, "--set", "data.size=4000",
                "--set", "train.maxGeneratorSteps=0", "--set", "train.maxMinutes=1.5", "--set", "train.evalEvery=20",
                "--set", "train.evalN=500", "--set", "eval.n=300", "--set", "eval.seeds=1", "--set", "cluster.port=5881",
                "--set", "dashboard.port=" + PORT, "--set", "dashboard.token=t"};
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.run(args,
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8)));

        ChromeDriver driver = chromium(dir);
        try {
            driver.manage().window().setSize(new Dimension(1280, 1500));
            JavascriptExecutor js = driver;
            open(driver, PORT, err);
            waitFor(() -> num(js, "return charts.swd.data.datasets[0].data.length") >= 2
                    && num(js, "return charts.losses.data.datasets[0].data.length") > 0
                    && num(js, "return charts.samples.data.datasets[1].data.length") > 0, 90, "charts to fill", err);
            String header = driver.findElement(By.id("run")).getText();
            assertTrue(header.startsWith("run "), "header: " + header);
            String table = driver.findElement(By.id("cluster")).getText();
            for (String role : new String[]{"rollout", "discriminator", "value", "generator", "coordinator"})
                assertTrue(table.contains(role), role + " missing from the cluster table:\n" + table);
            assertTrue(table.contains("alive"));
            String faults = driver.findElement(By.id("faults")).getText();
            assertTrue(faults.contains("rollout workers alive 1") && faults.contains("rollbacks 0"), "fault line: " + faults);
            Path shot = Path.of("target", "dashboard.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));

            // a reload mid-run shows the history again
            driver.navigate().refresh();
            waitFor(() -> num(js, "return charts.swd.data.datasets[0].data.length") >= 2, 30, "history after a reload", err);

            // a narrow window stacks the cards instead of overflowing
            driver.manage().window().setSize(new Dimension(420, 900));
            Thread.sleep(500);
            assertTrue(num(js, "return document.documentElement.scrollWidth - window.innerWidth") <= 1, "horizontal overflow");
            assertFalse(driver.findElement(By.id("run")).getText().startsWith("page error"), "the page reported an error");
        } finally {
            driver.quit();
            stop(PORT);
        }
        assertEquals(0, run.get(3, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
    }

    /** Headless Chromium as the machine's closed network wants it, with a fresh profile in {@code dir}. */
    private static ChromeDriver chromium(Path dir) {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + dir.resolve("profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
        return new ChromeDriver(service, options);
    }

    private static void open(ChromeDriver driver, int port, ByteArrayOutputStream err) throws InterruptedException {
        waitFor(() -> {
            try {
                driver.get("http://127.0.0.1:" + port + "/");
                return true;
            } catch (RuntimeException notYet) {
                return false;
            }
        }, 90, "the dashboard to answer", err);
    }

    /** Ends the run now rather than at its budget (unless it already ended: a failure before must not be masked). */
    private static void stop(int port) throws InterruptedException {
        try {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + port + "/api/control/stop"))
                    .header("Authorization", "Bearer t").POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (java.io.IOException runAlreadyOver) {
            // nothing to stop
        }
    }

    @Test
    void theImageTaskShowsGridsOfImages(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "needs Debian's chromium and chromium-driver (.ci/run installs them)");
        java.util.List<String> sets = new java.util.ArrayList<>(dev.sftpg.cluster.TinyModels.IMAGE_SETS);
        sets.addAll(java.util.List.of("finetune.pretrained=" + dev.sftpg.cluster.TinyModels.pretrainedImages(),
                "train.maxGeneratorSteps=0", "train.maxMinutes=1.5", "train.evalEvery=10", "train.evalN=500", "eval.n=300",
                "eval.seeds=1", "cluster.port=5885"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = startRun("toy-images", dir.resolve("run"), sets, IMAGE_PORT, err);
        ChromeDriver driver = chromium(dir);
        try {
            JavascriptExecutor js = driver;
            openTall(driver, IMAGE_PORT, err);
            // the sample panel swaps its scatter plot for two image grids: the policy's samples and real images
            waitFor(() -> num(js, "return document.getElementById('samplesPng').naturalWidth") > 0
                    && num(js, "return document.getElementById('dataPng').naturalWidth") > 0
                    && num(js, "return charts.swd.data.datasets[0].data.length") >= 1, 120, "the image grids", err);
            assertEquals(Boolean.TRUE, js.executeScript("return document.getElementById('samplesScatter').hidden"));
            assertEquals(Boolean.FALSE, js.executeScript("return document.getElementById('samplesGrids').hidden"));
            assertTrue(driver.findElement(By.id("samplesCaption")).getText().startsWith("samples, policy v"));
            screenshotWithoutErrors(driver, "dashboard-images.png");
        } finally {
            driver.quit();
            stop(IMAGE_PORT);
        }
        assertEquals(0, run.get(3, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * A Fashion-MNIST run (a tiny UNet pretrained for a few steps here, the shipped FID classifier) on the
     * convolutional critic: the quality chart turns into the FID curve with its two reference lines, and the grids
     * show 28x28 garments beside real ones.
     */
    @Test
    void theFashionMnistRunShowsTheFidCurveWithItsReferenceLines(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "needs Debian's chromium and chromium-driver (.ci/run installs them)");
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")),
                "needs Debian's dataset-fashion-mnist (.ci/run installs it)");
        java.util.List<String> tiny = java.util.List.of("model.widths=4,4", "model.timeEmbedding=8", "pretrain.batchSize=16",
                "pretrain.steps=20", "pretrain.logEvery=10", "pretrain.checkpointEvery=0", "data.classes=1,7",
                "eval.fidClassifier=" + Path.of("..", "models", "fashion-mnist-classifier").toAbsolutePath().normalize());
        Path pretrained = dir.resolve("pretrained");
        java.util.List<String> pre = new java.util.ArrayList<>(java.util.List.of("pretrain", "--config", "fashion-mnist", "--out", pretrained.toString()));
        tiny.forEach(kv -> pre.addAll(java.util.List.of("--set", kv)));
        ByteArrayOutputStream preErr = new ByteArrayOutputStream();
        assertEquals(0, Main.run(pre.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true),
                new PrintStream(preErr, true, StandardCharsets.UTF_8)), preErr.toString(StandardCharsets.UTF_8));

        java.util.List<String> sets = new java.util.ArrayList<>(tiny);
        sets.addAll(java.util.List.of("finetune.pretrained=" + pretrained, "finetune.batchSize=16", "critic.widths=8,8", "value.hidden=32",
                "train.maxGeneratorSteps=0", "train.maxMinutes=1.5", "train.evalEvery=2", "train.evalN=200", "eval.n=200",
                "eval.seeds=2", "cluster.port=5905"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = startRun("fashion-mnist", dir.resolve("run"), sets, FID_PORT, err);
        ChromeDriver driver = chromium(dir);
        try {
            JavascriptExecutor js = driver;
            openTall(driver, FID_PORT, err);
            waitFor(() -> num(js, "return charts.swd.data.datasets[0].data.length") >= 2
                    && num(js, "return document.getElementById('samplesPng').naturalWidth") > 0, 150, "two FID points and a grid", err);
            assertTrue(driver.findElement(By.id("qualityTitle")).getText().contains("FID"), driver.findElement(By.id("qualityTitle")).getText());
            assertEquals("FID", js.executeScript("return charts.swd.options.scales.y.title.text"));
            // the pretrained sampler's FID and the floor span the curve, the floor far below
            assertEquals(2L, num(js, "return charts.swd.data.datasets[1].data.length"));
            assertEquals(2L, num(js, "return charts.swd.data.datasets[2].data.length"));
            Object pretrainedFid = js.executeScript("return charts.swd.data.datasets[1].data[0].y");
            Object floor = js.executeScript("return charts.swd.data.datasets[2].data[0].y");
            assertTrue(((Number) floor).doubleValue() < ((Number) pretrainedFid).doubleValue(), floor + " vs " + pretrainedFid);
            // 28x28 images with a one-pixel border in a grid: the real images' grid is several images wide
            assertTrue(num(js, "return document.getElementById('dataPng').naturalWidth") >= 4 * 28);
            screenshotWithoutErrors(driver, "dashboard-fid.png");
        } finally {
            driver.quit();
            stop(FID_PORT);
        }
        assertEquals(0, run.get(3, TimeUnit.MINUTES), err.toString(StandardCharsets.UTF_8));
        io.vertx.core.json.JsonObject report = new io.vertx.core.json.JsonObject(Files.readString(dir.resolve("run").resolve("report.json")));
        assertEquals("fid", report.getString("metric"));
        io.vertx.core.json.JsonObject init = report.getJsonObject("init");
        assertTrue(init.getJsonObject("fid").getDouble("std") > 0, "two seeds give a spread: " + init);
        assertTrue(init.getJsonObject("dataFloor").getDouble("mean") < init.getJsonObject("fid").getDouble("mean"), init.encode());
        assertTrue(report.getJsonObject("final").getJsonObject("fid").getDouble("mean") > 0, report.encode());
    }

    /** `run --config preset` on the dashboard's port (control token "t") with {@code sets}, in the background. */
    private static CompletableFuture<Integer> startRun(String preset, Path runDir, java.util.List<String> sets, int port,
                                                       ByteArrayOutputStream err) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--config", preset, "--run-dir", runDir.toString()));
        sets.forEach(kv -> args.addAll(java.util.List.of("--set", kv)));
        args.addAll(java.util.List.of("--set", "dashboard.port=" + port, "--set", "dashboard.token=t"));
        return CompletableFuture.supplyAsync(() -> Main.run(args.toArray(String[]::new),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    /** The page in a window tall enough for the image panels. */
    private static void openTall(ChromeDriver driver, int port, ByteArrayOutputStream err) throws InterruptedException {
        driver.manage().window().setSize(new Dimension(1280, 1500));
        open(driver, port, err);
    }

    /** target/NAME, after asserting the page reported no error. */
    private static void screenshotWithoutErrors(ChromeDriver driver, String name) throws java.io.IOException {
        Path shot = Path.of("target", name);
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        assertFalse(driver.findElement(By.id("run")).getText().startsWith("page error"), "the page reported an error");
    }

    private static long num(JavascriptExecutor js, String script) {
        Object v = js.executeScript(script);
        return v instanceof Number n ? n.longValue() : -1;
    }

    private static void waitFor(BooleanSupplier c, int seconds, String what, ByteArrayOutputStream err) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                if (c.getAsBoolean()) return;
            } catch (RuntimeException pageNotReady) {
                // scripts not loaded yet
            }
            Thread.sleep(500);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        fail("timed out after " + seconds + " s waiting for " + what + "\n" + e.substring(Math.max(0, e.length() - 2000)));
    }
}
