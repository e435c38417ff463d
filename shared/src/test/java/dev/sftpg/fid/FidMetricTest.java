package dev.sftpg.fid;

import dev.sftpg.data.Samples;
import dev.sftpg.metrics.Frechet;
import dev.sftpg.metrics.Metric;
import dev.sftpg.metrics.MetricSuite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fid metric on synthetic images, through a classifier trained on them. */
class FidMetricTest {
    private static FidClassifier classifier;

    @BeforeAll
    static void train() {
        SyntheticImages train = SyntheticImages.draw(1500, 0.6, 0, 11), test = SyntheticImages.draw(200, 0.6, 0, 12);
        classifier = FidClassifier.of(ClassifierTrainer.train(ClassifierTrainerTest.SMALL, new ClassifierTrainer.Settings(2, 32, 3e-3, 0),
                train.images, train.labels, test.images, test.labels, null).network());
    }

    @Test
    void drawsOfOneDistributionScoreLowerThanShiftedOnes() {
        Samples reference = SyntheticImages.draw(1000, 0.6, 0, 21).images;
        double same = classifier.fid(SyntheticImages.draw(1000, 0.6, 0, 22).images, reference);
        double brighter = classifier.fid(SyntheticImages.draw(1000, 0.6, 0.5, 23).images, reference);
        double noisier = classifier.fid(SyntheticImages.draw(1000, 1.2, 0, 24).images, reference);
        assertTrue(same >= 0 && same < brighter && same < noisier, "same " + same + ", brighter " + brighter + ", noisier " + noisier);
        assertTrue(brighter > 3 * same && noisier > 3 * same, "same " + same + ", brighter " + brighter + ", noisier " + noisier);
        assertEquals(0.0, classifier.fid(reference, reference), 1e-8, "a set against itself");
    }

    @Test
    void oneModeOnlyScoresWorseThanAllModes() {
        Samples reference = SyntheticImages.draw(1000, 0.6, 0, 31).images;
        SyntheticImages all = SyntheticImages.draw(3000, 0.6, 0, 32);
        // keep only the images of class 0: a generator that collapsed onto one kind of image
        int dim = all.images.dim(), n = 0;
        float[] v = new float[all.images.values().length];
        for (int i = 0; i < all.images.n(); i++)
            if (all.labels[i] == 0) System.arraycopy(all.images.values(), i * dim, v, n++ * dim, dim);
        Samples collapsed = new Samples(n, all.images.shape(), java.util.Arrays.copyOf(v, n * dim));
        assertTrue(classifier.fid(collapsed, reference) > 3 * classifier.fid(all.images.head(n), reference));
    }

    @Test
    void referenceStatisticsAreComputedOncePerDraw() {
        Samples reference = SyntheticImages.draw(300, 0.6, 0, 41).images;
        Frechet.Gaussian first = classifier.referenceStatistics(reference);
        assertSame(first, classifier.referenceStatistics(reference));
        Samples copy = new Samples(reference.n(), reference.shape(), reference.values().clone());
        Frechet.Gaussian other = classifier.referenceStatistics(copy);
        assertTrue(other != first, "another draw (another array) gets its own statistics");
        assertEquals(first.mean()[3], other.mean()[3], 0.0);
    }

    @Test
    void aDivergedSampleScoresInfinite() {
        Samples reference = SyntheticImages.draw(200, 0.6, 0, 51).images;
        float[] v = SyntheticImages.draw(200, 0.6, 0, 52).images.values().clone();
        v[17] = Float.NaN;
        assertEquals(Double.POSITIVE_INFINITY, classifier.fid(new Samples(200, reference.shape(), v), reference));
    }

    @Test
    void theMetricLoadsItsClassifierLazilyAndLeadsTheFashionMnistSuite() {
        int[] loads = {0};
        Metric fid = Fid.metric(() -> {
            loads[0]++;
            return classifier;
        });
        MetricSuite suite = MetricSuite.fashionMnist(fid, 10);
        assertEquals(List.of("fid", "swd"), suite.names());
        assertEquals("fid", suite.primary());
        assertEquals(0, loads[0], "nothing is loaded before the first score");
        Samples reference = SyntheticImages.draw(300, 0.6, 0, 61).images, gen = SyntheticImages.draw(300, 0.6, 0, 62).images;
        Map<String, Double> s = suite.score(gen, reference, SyntheticImages.draw(300, 0.6, 0, 63).images, 0);
        assertEquals(classifier.fid(gen, reference), s.get("fid"), 0.0);
        assertTrue(s.get("swd") > 0);
    }

    @Test
    void aFixedReferenceIsScoredAgainstWhateverDrawTheMetricIsGiven() {
        Samples whole = SyntheticImages.draw(1000, 0.6, 0, 71).images, gen = SyntheticImages.draw(300, 0.6, 0, 72).images;
        Metric fid = Fid.metric(() -> classifier, whole);
        Samples smallDraw = SyntheticImages.draw(300, 0.6, 0, 73).images, shifted = SyntheticImages.draw(300, 0.6, 0.5, 74).images;
        double expected = classifier.fid(gen, whole);
        assertEquals(expected, fid.score(gen, smallDraw, null, 0), 0.0);
        assertEquals(expected, fid.score(gen, shifted, null, 1), 0.0);
        assertTrue(Math.abs(classifier.fid(gen, smallDraw) - expected) > 1e-6, "the draw itself would score differently");
    }
}
