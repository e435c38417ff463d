package dev.sftpg.fid;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.data.Samples;
import dev.sftpg.nn.conv.Classifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A classifier directory written and read back, and every way it can be unusable, each with a message saying what to do. */
class FidClassifierFilesTest {
    @TempDir
    Path tmp;

    private Path saved(String name) throws Exception {
        Classifier net = ClassifierTrainerTest.SMALL.build(DataType.FLOAT, 3);
        ObjectNode meta = new ObjectMapper().createObjectNode().put("testAccuracy", 0.5);
        Path dir = tmp.resolve(name);
        FidClassifier.save(dir, net, meta, "# readme\nSHA-256 @SHA256@\n");
        return dir;
    }

    private static String failure(Path dir) {
        return assertThrows(CheckpointException.class, () -> Fid.load(dir.toString())).getMessage();
    }

    @Test
    void roundTripKeepsTheFeaturesAndRecordsTheDigest() throws Exception {
        Path dir = saved("c");
        FidClassifier loaded = Fid.load(dir.toString());
        Samples images = SyntheticImages.draw(20, 0.5, 0, 1).images;
        Classifier original = ClassifierTrainerTest.SMALL.build(DataType.FLOAT, 3);
        assertArrayEquals(original.features(images, 7), loaded.network().features(images, 20), 1e-6);
        String sha = FidClassifier.sha256(dir.resolve(FidClassifier.WEIGHTS_FILE));
        assertEquals(sha, loaded.metadata().get("weightsSha256").asText());
        assertEquals(0.5, loaded.metadata().get("testAccuracy").asDouble());
        assertTrue(Files.readString(dir.resolve(FidClassifier.README_FILE)).contains("SHA-256 " + sha));
        assertSame(loaded, Fid.load(dir.toString()), "loaded once per process");
        assertEquals(64, sha.length());
    }

    @Test
    void aMissingDirectoryNamesTheTrainCommand() {
        String m = failure(tmp.resolve("nowhere"));
        assertTrue(m.contains("no feature classifier directory") && m.contains("sftpg classifier --out " + tmp.resolve("nowhere"))
                && m.contains("eval.fidClassifier"), m);
    }

    @Test
    void aFileOrAnIncompleteDirectoryIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertTrue(failure(file).contains("is a file"), failure(file));
        Path dir = saved("c");
        Files.delete(dir.resolve(FidClassifier.WEIGHTS_FILE));
        String m = failure(dir);
        assertTrue(m.contains("missing " + FidClassifier.WEIGHTS_FILE) && m.contains("sftpg classifier"), m);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(failure(empty).contains("missing " + FidClassifier.METADATA_FILE), failure(empty));
    }

    @Test
    void damagedWeightsFailTheirDigest() throws Exception {
        Path dir = saved("c");
        Path w = dir.resolve(FidClassifier.WEIGHTS_FILE);
        byte[] b = Files.readAllBytes(w);
        b[b.length / 2] ^= 0x10;
        Files.write(w, b);
        String m = failure(dir);
        assertTrue(m.contains("SHA-256") && m.contains("damaged") && m.contains("sftpg classifier"), m);
    }

    @Test
    void damagedOrForeignMetadataIsRefused() throws Exception {
        Path dir = saved("c");
        Path meta = dir.resolve(FidClassifier.METADATA_FILE);
        String good = Files.readString(meta);
        Files.writeString(meta, good.substring(0, good.length() / 2));
        assertTrue(failure(dir).contains("not valid JSON"), failure(dir));
        Files.writeString(meta, good.replace(FidClassifier.FORMAT, "sftpg-ddpm"));
        assertTrue(failure(dir).contains("not a feature classifier"), failure(dir));
        Files.writeString(meta, good.replace("\"hidden\" : 16", "\"hidden\" : 17"));
        String m = failure(dir);
        assertTrue(m.contains("weights but the architecture"), m);
        Files.writeString(meta, good.replace("\"conv1\" : 4", "\"conv1\" : \"four\""));
        assertTrue(failure(dir).contains("spec.conv1"), failure(dir));
    }
}
