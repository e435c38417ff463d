package dev.sftpg.checkpoint;

import dev.sftpg.data.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class TensorFileTest {

    @TempDir
    Path dir;

    private static float[] randomFloats(int n, long seed) {
        Random rnd = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }

    private static List<Tensor> sampleTensors() {
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc00001), -0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY, 1e38f};
        return List.of(
                new Tensor("layers.0.weight", new long[]{64, 2}, randomFloats(128, 1)),
                Tensor.vector("layers.0.bias", randomFloats(64, 2)),
                new Tensor("scalar", new long[]{}, new float[]{3.5f}),
                new Tensor("empty", new long[]{0, 7}, new float[0]),
                new Tensor("naïve/μ", new long[]{2, 3}, special));
    }

    private Path writeSample() throws IOException {
        Path f = dir.resolve("ckpt/model.sftpg");
        TensorFile.write(f, "{\"step\":1200,\"arch\":\"mlp\",\"note\":\"β-schedule ✓\"}", sampleTensors());
        return f;
    }

    @Test
    void roundTripPreservesOrderShapesMetadataAndBits() throws IOException {
        Path f = writeSample();
        TensorFile.Contents c = TensorFile.read(f);
        assertEquals("{\"step\":1200,\"arch\":\"mlp\",\"note\":\"β-schedule ✓\"}", c.metadataJson());
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "scalar", "empty", "naïve/μ"), List.copyOf(c.tensors().keySet()));
        assertEquals(sampleTensors(), List.copyOf(c.tensors().values()), "bit-exact, NaN payloads included");
        assertArrayEquals(new long[]{64, 2}, c.tensor("layers.0.weight").shape());
        assertEquals(0, c.tensor("scalar").rank());
        assertEquals(f, c.source());
        assertThrows(UnsupportedOperationException.class, () -> c.tensors().remove("scalar"));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temp files left behind");
        }
    }

    @Test
    void layoutMatchesTheDocumentedFormat() throws IOException {
        Path f = dir.resolve("tiny.bin");
        TensorFile.write(f, "{}", List.of(new Tensor("w", new long[]{1, 2}, new float[]{1f, -2f})));
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("SFTPGCK1", new String(b, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(1, bb.getInt(8));
        assertEquals(2, bb.getInt(12));
        assertEquals("{}", new String(b, 16, 2, StandardCharsets.UTF_8));
        assertEquals(1, bb.getInt(18));
        assertEquals(1, bb.getShort(22));
        assertEquals('w', b[24]);
        assertEquals(2, bb.getInt(25));
        assertEquals(1L, bb.getLong(29));
        assertEquals(2L, bb.getLong(37));
        assertEquals(2L, bb.getLong(45));
        assertEquals(1f, bb.getFloat(53));
        assertEquals(-2f, bb.getFloat(57));
        assertEquals(61 + 32, b.length);
        assertArrayEquals(sha256(b, 61), Arrays.copyOfRange(b, 61, 93));
    }

    @Test
    void largeTensorRoundTripsQuickly() throws IOException {
        float[] big = randomFloats(2_000_000, 9); // 8 MB, spans many write buffers
        Path f = dir.resolve("big.bin");
        TensorFile.write(f, null, List.of(Tensor.of("cloud", new Samples(1_000_000, 2, big))));
        TensorFile.Contents c = TensorFile.read(f);
        assertEquals("{}", c.metadataJson());
        assertArrayEquals(big, c.tensor("cloud").data());
        assertEquals(1_000_000, c.tensor("cloud").toSamples().n());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 11, 15, 20, 40, 60, 200, 600, -33, -32, -1})
    void truncationIsReported(int cut) throws IOException {
        Path f = writeSample();
        byte[] b = Files.readAllBytes(f);
        int keep = cut >= 0 ? cut : b.length + cut;
        Files.write(f, Arrays.copyOf(b, keep));
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorFile.read(f));
        assertMentions(e, f, "truncated");
    }

    @Test
    void emptyFileIsReported() throws IOException {
        Path f = Files.createFile(dir.resolve("empty.sftpg"));
        assertMentions(assertThrows(CheckpointException.class, () -> TensorFile.read(f)), f, "truncated");
    }

    @Test
    void flippedDataByteFailsTheChecksum() throws IOException {
        Path f = writeSample();
        byte[] b = Files.readAllBytes(f);
        b[b.length - 32 - 100] ^= 0x10; // inside the float data
        Files.write(f, b);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorFile.read(f));
        assertMentions(e, f, "corrupt");
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void flippedChecksumByteOrAppendedBytesAreCorrupt() throws IOException {
        Path f = writeSample();
        byte[] b = Files.readAllBytes(f);
        byte[] flipped = b.clone();
        flipped[b.length - 1] ^= 1;
        Files.write(f, flipped);
        assertMentions(assertThrows(CheckpointException.class, () -> TensorFile.read(f)), f, "corrupt");
        byte[] longer = Arrays.copyOf(b, b.length + 5);
        Files.write(f, longer);
        assertMentions(assertThrows(CheckpointException.class, () -> TensorFile.read(f)), f, "corrupt");
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        Path f = dir.resolve("weights.npz");
        Files.write(f, "PK\u0003\u0004 this is a zip, not a checkpoint".getBytes(StandardCharsets.ISO_8859_1));
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorFile.read(f));
        assertMentions(e, f, "not an sftpg checkpoint file (bad magic");
    }

    @Test
    void futureVersionNamesBothVersions() throws IOException {
        Path f = writeSample();
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        Files.write(f, b);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorFile.read(f));
        assertMentions(e, f, "version 2");
        assertTrue(e.getMessage().contains("supports only version 1"), e.getMessage());
    }

    @Test
    void missingFileIsACheckpointException() {
        Path f = dir.resolve("nope/model.sftpg");
        assertMentions(assertThrows(CheckpointException.class, () -> TensorFile.read(f)), f, "does not exist");
    }

    /** Structurally valid files with a correct checksum but inconsistent content, as a buggy writer might make. */
    @Test
    void duplicateNamesAndShapeMismatchAreRejectedEvenWithValidChecksum() throws IOException {
        Path f = dir.resolve("hand.bin");
        Files.write(f, handMade(new Object[]{"a", new long[]{2}, 2}, new Object[]{"a", new long[]{1}, 1}));
        assertMentions(assertThrows(CheckpointException.class, () -> TensorFile.read(f)), f, "appears twice");
        Files.write(f, handMade(new Object[]{"w", new long[]{2, 3}, 5}));
        assertMentions(assertThrows(CheckpointException.class, () -> TensorFile.read(f)), f, "shape [2, 3] but stores 5");
    }

    @Test
    void missingTensorNamesWhatIsThere() throws IOException {
        TensorFile.Contents c = TensorFile.read(writeSample());
        CheckpointException e = assertThrows(CheckpointException.class, () -> c.tensor("decoder.weight"));
        assertTrue(e.getMessage().contains("decoder.weight") && e.getMessage().contains("layers.0.bias"), e.getMessage());
    }

    @Test
    void writerRejectsBadInputBeforeTouchingTheFile() throws IOException {
        Path f = writeSample();
        byte[] before = Files.readAllBytes(f);
        Tensor t = Tensor.vector("x", new float[1]);
        assertThrows(IllegalArgumentException.class, () -> TensorFile.write(f, "{}", List.of(t, t)));
        assertThrows(IllegalArgumentException.class, () -> TensorFile.write(f, "{not json", List.of(t)));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("bad", new long[]{2, 2}, new float[3]));
        assertArrayEquals(before, Files.readAllBytes(f));
    }

    private static void assertMentions(CheckpointException e, Path f, String what) {
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), "message names the file: " + m);
        assertTrue(m.contains(what), "message says '" + what + "': " + m);
        assertTrue(m.contains("--checkpoint"), "message says how to fix: " + m);
        assertEquals(f, e.path());
    }

    /** Builds a file by hand: entries are {name, shape, storedCount}; the checksum is valid. */
    private static byte[] handMade(Object[]... entries) {
        ByteBuffer bb = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        bb.put("SFTPGCK1".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(2).put("{}".getBytes(StandardCharsets.UTF_8));
        bb.putInt(entries.length);
        for (Object[] e : entries) {
            byte[] name = ((String) e[0]).getBytes(StandardCharsets.UTF_8);
            long[] shape = (long[]) e[1];
            int count = (Integer) e[2];
            bb.putShort((short) name.length).put(name).putInt(shape.length);
            for (long d : shape) bb.putLong(d);
            bb.putLong(count);
            for (int i = 0; i < count; i++) bb.putFloat(i);
        }
        int len = bb.position();
        byte[] body = Arrays.copyOf(bb.array(), len);
        byte[] out = Arrays.copyOf(body, len + 32);
        System.arraycopy(sha256(body, len), 0, out, len, 32);
        return out;
    }

    private static byte[] sha256(byte[] b, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, 0, len);
            return md.digest();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
