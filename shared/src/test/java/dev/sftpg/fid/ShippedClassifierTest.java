package dev.sftpg.fid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.FashionMnist;
import dev.sftpg.data.Samples;
import dev.sftpg.metrics.MetricSuite;
import dev.sftpg.nn.conv.ClassifierSpec;
import dev.sftpg.task.Task;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier the project ships in models/fashion-mnist-classifier: intact, as accurate as its metadata says, and in use. */
class ShippedClassifierTest {
    /** Tests run in the module's folder; the models are at the project root. */
    static final Path SHIPPED = Path.of("..", "models", "fashion-mnist-classifier");

    private static FashionMnist data() {
        boolean present = FashionMnist.FILES.stream().allMatch(f -> Files.isRegularFile(FashionMnist.DEFAULT_FOLDER.resolve(f + ".gz"))
                || Files.isRegularFile(FashionMnist.DEFAULT_FOLDER.resolve(f)));
        Assumptions.assumeTrue(present, "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_FOLDER + " (apt-get install "
                + FashionMnist.PACKAGE + "): the shipped classifier cannot be checked against it");
        return FashionMnist.load(null, null);
    }

    @Test
    void weightsMatchTheirRecordedDigest() throws Exception {
        FidClassifier c = Fid.load(SHIPPED.toString());
        JsonNode meta = c.metadata();
        assertEquals(meta.get("weightsSha256").asText(), FidClassifier.sha256(SHIPPED.resolve(FidClassifier.WEIGHTS_FILE)));
        assertEquals(ClassifierSpec.FASHION_MNIST, c.network().spec());
        assertTrue(meta.get("testAccuracy").asDouble() >= 0.90, "recorded test accuracy " + meta.get("testAccuracy"));
        double floor = meta.get("trainTestFidFloor").asDouble();
        assertTrue(floor > 0 && floor < 5, "recorded FID floor " + floor);
        assertTrue(Files.size(SHIPPED.resolve(FidClassifier.WEIGHTS_FILE)) < 4 << 20, "a few MB at most");
        String readme = Files.readString(SHIPPED.resolve(FidClassifier.README_FILE));
        assertTrue(readme.contains(meta.get("weightsSha256").asText()) && readme.contains(meta.get("command").asText()), readme);
    }

    @Test
    void classifiesTheFirstThousandTestImages() {
        FashionMnist data = data();
        FidClassifier c = Fid.load(SHIPPED.toString());
        Samples images = data.testSet().head(1000);
        int[] labels = Arrays.copyOf(data.testLabels(), 1000);
        double accuracy = c.network().accuracy(images, labels, 250);
        assertTrue(accuracy >= 0.88, "accuracy on the first 1000 test images: " + accuracy);
    }

    @Test
    void theFashionMnistTaskScoresByItFirst() {
        data();
        Config config = ConfigLoader.load(null, List.of("data.source=fashion-mnist", "eval.fidClassifier=" + SHIPPED), Map.of());
        Task task = Task.of(config);
        MetricSuite suite = task.metrics();
        assertEquals(List.of("fid", "swd"), suite.names());
        Samples test = task.data().evaluationSample(10_000, 1);
        Samples train = task.data().sample(2000, 2);
        double fid = suite.metrics().get(0).score(train, test, null, 0);
        // 2,000 training images against the test set: a few times the 10,000-image floor (the bias of FID grows as
        // 1/n: 4.07 here against 1.15), far below blank images
        Samples noise = new Samples(2000, test.shape(), new float[2000 * test.dim()]);
        double blank = suite.metrics().get(0).score(noise, test, null, 0);
        assertTrue(fid < 8 && blank > 100 * fid, "training images " + fid + ", blank grey images " + blank);
    }
}
