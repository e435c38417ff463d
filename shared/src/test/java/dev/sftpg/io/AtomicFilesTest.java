package dev.sftpg.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesContentCreatesParentsAndLeavesNoTemp() throws IOException {
        Path target = dir.resolve("a/b/out.txt");
        AtomicFiles.writeString(target, "first");
        AtomicFiles.writeString(target, "second ✓");
        assertEquals("second ✓", Files.readString(target));
        assertEquals(List.of("out.txt"), listing(target.getParent()));
    }

    @Test
    void writerFailingMidwayKeepsOldContentAndRemovesTemp() throws IOException {
        Path target = dir.resolve("model.bin");
        AtomicFiles.writeBytes(target, "old complete content".getBytes(StandardCharsets.UTF_8));
        byte[] big = new byte[200_000]; // larger than the buffer, so part of it reaches the temp file on disk
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(big);
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", thrown.getMessage());
        assertEquals("old complete content", Files.readString(target));
        assertEquals(List.of("model.bin"), listing(dir));
    }

    @Test
    void runtimeExceptionFromWriterAlsoCleansUpAndNoTargetIsCreated() throws IOException {
        Path target = dir.resolve("never.txt");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new UncheckedIOException(new IOException("boom"));
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void writerMayCloseTheStream() throws IOException {
        Path target = dir.resolve("closed.txt");
        AtomicFiles.write(target, out -> {
            out.write("abc".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        assertEquals("abc", Files.readString(target));
    }

    @Test
    void newFileKeepsUmaskPermissionsNotTempFile0600() throws IOException {
        Path target = dir.resolve("perm.txt");
        AtomicFiles.writeString(target, "x");
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target));
        }
    }

    @Test
    void writeDirectoryPublishesAndReplacesWholeDirectory() throws IOException {
        Path ckpt = dir.resolve("runs/ckpt");
        AtomicFiles.writeDirectory(ckpt, tmp -> {
            Files.writeString(tmp.resolve("weights.bin"), "v1");
            Files.writeString(tmp.resolve("stale.json"), "only in v1");
        });
        AtomicFiles.writeDirectory(ckpt, tmp -> {
            Files.createDirectories(tmp.resolve("sub"));
            Files.writeString(tmp.resolve("sub/weights.bin"), "v2");
        });
        assertEquals("v2", Files.readString(ckpt.resolve("sub/weights.bin")));
        assertFalse(Files.exists(ckpt.resolve("stale.json")), "old files must not leak into the new version");
        assertEquals(List.of("ckpt"), listing(ckpt.getParent()));
    }

    @Test
    void writeDirectoryFailureKeepsOldDirectoryAndRemovesTemp() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        AtomicFiles.writeDirectory(ckpt, tmp -> Files.writeString(tmp.resolve("weights.bin"), "v1"));
        assertThrows(IOException.class, () -> AtomicFiles.writeDirectory(ckpt, tmp -> {
            Files.writeString(tmp.resolve("weights.bin"), "half of v2");
            throw new IOException("interrupted");
        }));
        assertEquals("v1", Files.readString(ckpt.resolve("weights.bin")));
        assertEquals(List.of("ckpt"), listing(dir));
    }
}
