package dev.sftpg.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sftpg.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes checkpoint tensor files: named float arrays plus a JSON metadata string, in a small binary
 * format that is fast to load, independent of Java class layouts, and detects damage instead of loading garbage
 * weights (a truncated copy or flipped bit would otherwise surface much later as a mysteriously bad model).
 *
 * <h2>Format, version 1</h2>
 * All integers and floats are <b>little-endian</b>.
 * <pre>
 *   8 bytes   magic "SFTPGCK1" (ASCII)
 *   int32     format version = 1
 *   int32     metadata length M, then M bytes UTF-8 JSON
 *   int32     entry count E, then E times:
 *     int16     name length L (0 &lt; L &le; 32767), then L bytes UTF-8 name (unique within the file)
 *     int32     rank R (0..32), then R × int64 dims (&ge; 0)
 *     int64     element count N (= product of dims; a rank-0 tensor holds 1 value)
 *     N × float32 values, row-major (last index fastest)
 *   32 bytes  SHA-256 of every preceding byte of the file
 * </pre>
 * SHA-256 rather than CRC32: the JDK provides it, it costs well under a second for the few-MB files here, and it
 * doubles as a content fingerprint that tools can print or compare.
 *
 * <p>Files are written atomically ({@link AtomicFiles}). Every reading failure is a {@link CheckpointException}
 * naming the file, the problem and the fix.
 */
public final class TensorFile {

    public static final int VERSION = 1;
    static final byte[] MAGIC = "SFTPGCK1".getBytes(StandardCharsets.US_ASCII);
    static final int DIGEST_BYTES = 32;
    static final int MAX_RANK = 32;
    /** Smallest possible file: magic, version, empty metadata, zero entries, digest. */
    static final int MIN_BYTES = MAGIC.length + 4 + 4 + 4 + DIGEST_BYTES;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TensorFile() {
    }

    /** What a checkpoint file holds; {@code tensors} keeps file order and is unmodifiable. */
    public record Contents(Path source, String metadataJson, Map<String, Tensor> tensors) {

        /** The tensor called {@code name}; a missing one is a checkpoint problem, reported as such. */
        public Tensor tensor(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new CheckpointException(source, "has no tensor '" + name + "' (it has " + tensors.keySet()
                        + "); it was probably written for a different model configuration",
                        "re-run pretrain with the current configuration or point --checkpoint at a matching one", null);
            }
            return t;
        }
    }

    /**
     * Writes {@code tensors} and {@code metadataJson} (null means {@code {}}) to {@code file} atomically.
     *
     * @throws IllegalArgumentException if names repeat or the metadata is not valid JSON: caught here rather
     *                                  than when the checkpoint is needed
     */
    public static void write(Path file, String metadataJson, List<Tensor> tensors) throws IOException {
        String meta = metadataJson == null ? "{}" : metadataJson;
        try {
            JSON.readTree(meta);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("checkpoint metadata is not valid JSON: " + e.getOriginalMessage(), e);
        }
        Set<String> names = new HashSet<>();
        for (Tensor t : tensors) {
            if (!names.add(t.name())) throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
        }
        AtomicFiles.write(file, out -> {
            LittleEndianWriter w = new LittleEndianWriter(out);
            w.bytes(MAGIC);
            w.i32(VERSION);
            byte[] metaBytes = meta.getBytes(StandardCharsets.UTF_8);
            w.i32(metaBytes.length);
            w.bytes(metaBytes);
            w.i32(tensors.size());
            for (Tensor t : tensors) {
                byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
                w.i16(name.length);
                w.bytes(name);
                long[] shape = t.shape();
                w.i32(shape.length);
                for (long d : shape) w.i64(d);
                w.i64(t.data().length);
                w.floats(t.data());
            }
            w.finish();
        });
    }

    /** Reads and fully verifies {@code file}; throws {@link CheckpointException} for anything unusable. */
    public static Contents read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new CheckpointException(file, "is " + size + " bytes, more than this reader's 2 GiB limit");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "does not exist",
                    "run pretrain first or point --checkpoint at an existing checkpoint directory", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + (e instanceof java.nio.file.AccessDeniedException
                    ? "permission denied" : e.getMessage()) + ")",
                    "check permissions and the disk, or point --checkpoint at another directory", e);
        }
        return new Parser(file, bytes).parse();
    }

    /** One pass over the bytes; structural damage stops it, content problems wait until the checksum is checked. */
    private static final class Parser {
        private final Path file;
        private final byte[] bytes;
        private final ByteBuffer buf;
        private String deferredProblem;

        Parser(Path file, byte[] bytes) {
            this.file = file;
            this.bytes = bytes;
            this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        Contents parse() {
            if (bytes.length == 0) throw truncated("it is empty");
            int head = Math.min(bytes.length, MAGIC.length);
            if (!Arrays.equals(bytes, 0, head, MAGIC, 0, head)) {
                throw new CheckpointException(file, "not an sftpg checkpoint file (bad magic: starts with "
                        + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, head) + ", expected \"SFTPGCK1\")",
                        "point --checkpoint at a directory written by pretrain", null);
            }
            if (bytes.length < MAGIC.length + 4) throw truncated("it ends inside the header");
            int version = buf.getInt(MAGIC.length);
            if (version != VERSION) {
                throw new CheckpointException(file, "has format version " + version + " but this build supports only "
                        + "version " + VERSION, version > VERSION
                        ? "use the newer sftpg release that wrote it, re-run pretrain with this one, or point --checkpoint at another directory"
                        : CheckpointException.DEFAULT_FIX, null);
            }
            if (bytes.length < MIN_BYTES) throw truncated("it ends inside the header");

            // The digest occupies the last 32 bytes; everything before must parse exactly.
            buf.position(MAGIC.length + 4).limit(bytes.length - DIGEST_BYTES);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            String meta;
            try {
                meta = utf8(length(buf.getInt(), "metadata length"), "metadata");
                int count = buf.getInt();
                if (count < 0) throw corrupt("negative tensor count " + count);
                for (int i = 0; i < count; i++) {
                    Tensor t = entry(i);
                    if (tensors.putIfAbsent(t.name(), t) != null) defer("tensor name '" + t.name() + "' appears twice");
                }
            } catch (BufferUnderflowException e) {
                throw truncated("it ends before the last tensor is complete");
            }
            if (buf.hasRemaining()) {
                throw corrupt(buf.remaining() + " unexpected bytes after the last tensor (or a damaged length field)");
            }
            verifyDigest();
            if (deferredProblem != null) throw corrupt(deferredProblem);
            return new Contents(file, meta, Collections.unmodifiableMap(tensors));
        }

        private Tensor entry(int index) {
            int nameLen = Short.toUnsignedInt(buf.getShort());
            if (nameLen == 0) defer("tensor #" + index + " has an empty name");
            String name = utf8(nameLen, "name of tensor #" + index);
            int rank = buf.getInt();
            if (rank < 0 || rank > MAX_RANK) throw corrupt("tensor '" + name + "' claims rank " + rank + " (allowed 0.." + MAX_RANK + ")");
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = buf.getLong();
            long n = buf.getLong();
            if (n < 0) throw corrupt("tensor '" + name + "' claims " + n + " values");
            if (n > buf.remaining() / Float.BYTES) throw new BufferUnderflowException();
            float[] data = new float[(int) n];
            buf.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
            buf.position(buf.position() + data.length * Float.BYTES);
            long expected = Tensor.elementCount(shape);
            if (expected != n) {
                defer("tensor '" + name + "' has shape " + Arrays.toString(shape) + " but stores " + n + " values");
                return new Tensor(name.isEmpty() ? "#" + index : name, new long[]{n}, data);
            }
            return new Tensor(name.isEmpty() ? "#" + index : name, shape, data);
        }

        private int length(int len, String what) {
            if (len < 0) throw corrupt("negative " + what + " " + len);
            return len;
        }

        private String utf8(int len, String what) {
            if (len > buf.remaining()) throw new BufferUnderflowException();
            ByteBuffer slice = buf.slice().limit(len);
            buf.position(buf.position() + len);
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(slice);
                return chars.toString();
            } catch (CharacterCodingException e) {
                defer(what + " is not valid UTF-8");
                return "";
            }
        }

        private void verifyDigest() {
            MessageDigest sha = sha256();
            sha.update(bytes, 0, bytes.length - DIGEST_BYTES);
            byte[] computed = sha.digest();
            byte[] stored = Arrays.copyOfRange(bytes, bytes.length - DIGEST_BYTES, bytes.length);
            if (!MessageDigest.isEqual(computed, stored)) {
                HexFormat hex = HexFormat.of();
                throw corrupt("SHA-256 checksum mismatch (stored " + hex.formatHex(stored, 0, 6) + "…, computed "
                        + hex.formatHex(computed, 0, 6) + "…): its bytes changed after it was written");
            }
        }

        private void defer(String problem) {
            if (deferredProblem == null) deferredProblem = problem;
        }

        private CheckpointException truncated(String where) {
            return new CheckpointException(file, "file is truncated: " + where + ", at " + bytes.length
                    + " bytes (an interrupted copy or write?)");
        }

        private CheckpointException corrupt(String problem) {
            return new CheckpointException(file, "file is corrupt: " + problem);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /** Buffers little-endian primitives and feeds everything written through the digest, appended by finish(). */
    private static final class LittleEndianWriter {
        private final OutputStream out;
        private final MessageDigest sha = sha256();
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        LittleEndianWriter(OutputStream out) {
            this.out = out;
        }

        void i16(int v) throws IOException {
            room(2).putShort((short) v);
        }

        void i32(int v) throws IOException {
            room(4).putInt(v);
        }

        void i64(long v) throws IOException {
            room(8).putLong(v);
        }

        void bytes(byte[] b) throws IOException {
            for (int off = 0; off < b.length; ) {
                int n = Math.min(room(1).remaining(), b.length - off);
                buf.put(b, off, n);
                off += n;
            }
        }

        void floats(float[] f) throws IOException {
            for (int off = 0; off < f.length; ) {
                int n = Math.min(room(Float.BYTES).remaining() / Float.BYTES, f.length - off);
                buf.asFloatBuffer().put(f, off, n); // the view inherits little-endian order from buf
                buf.position(buf.position() + n * Float.BYTES);
                off += n;
            }
        }

        void finish() throws IOException {
            drain();
            out.write(sha.digest());
        }

        private ByteBuffer room(int n) throws IOException {
            if (buf.remaining() < n) drain();
            return buf;
        }

        private void drain() throws IOException {
            sha.update(buf.array(), 0, buf.position());
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
    }
}
