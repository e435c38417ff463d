package dev.sftpg.fid;

import dev.sftpg.nn.conv.ClassifierSpec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTrainerTest {
    static final ClassifierSpec SMALL = new ClassifierSpec(1, SyntheticImages.SIDE, SyntheticImages.SIDE, 4, 8, 8, 16, SyntheticImages.CLASSES);

    @Test
    void learnsSyntheticClassesInAFewEpochs() {
        SyntheticImages train = SyntheticImages.draw(2000, 0.6, 0, 1), test = SyntheticImages.draw(500, 0.6, 0, 2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ClassifierTrainer.Result r = ClassifierTrainer.train(SMALL, new ClassifierTrainer.Settings(4, 32, 3e-3, 0), train.images,
                train.labels, test.images, test.labels, new PrintStream(log, true));
        assertEquals(4, r.epochs().length);
        assertTrue(r.testAccuracy() >= 0.95, "test accuracy " + r.testAccuracy());
        assertTrue(r.epochs()[3].trainLoss() < r.epochs()[0].trainLoss(), "the loss falls");
        String text = log.toString();
        assertTrue(text.contains("epoch 1/4: train loss ") && text.contains("test accuracy"), text);
        assertEquals(r.testAccuracy(), r.network().accuracy(test.images, test.labels, 100), 0.0);
    }

    @Test
    void theSameSeedTrainsTheSameWeights() {
        SyntheticImages train = SyntheticImages.draw(300, 0.6, 0, 3), test = SyntheticImages.draw(50, 0.6, 0, 4);
        ClassifierTrainer.Settings s = new ClassifierTrainer.Settings(1, 50, 1e-3, 7);
        float[] a = ClassifierTrainer.train(SMALL, s, train.images, train.labels, test.images, test.labels, null).network().parameters().toFloats();
        float[] b = ClassifierTrainer.train(SMALL, s, train.images, train.labels, test.images, test.labels, null).network().parameters().toFloats();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }
}
