package dev.sftpg.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files and directories so that readers (the web UI polling for plots, a later run loading a checkpoint)
 * only ever see the old complete version or the new complete version, never a half-written one — even if the
 * process is killed mid-write or the disk fills up.
 *
 * <p>Recipe: write into a hidden sibling ({@code .NAME.tmp-<random>}, same directory so the rename stays on one
 * file system), fsync it, then rename over the target. On any failure the temporary is deleted and the error
 * rethrown; the target is untouched. A {@code kill -9} between create and rename can leave a {@code .NAME.tmp-*}
 * behind; it is hidden and harmless, and never mistaken for the target.
 *
 * <p>Temporaries are created with {@code CREATE_NEW} rather than {@link Files#createTempFile}, because the latter
 * makes files mode 0600, which the renamed target would keep.
 */
public final class AtomicFiles {

    private static final int BUFFER_BYTES = 1 << 16;

    private AtomicFiles() {
    }

    /**
     * Streams content into {@code target} atomically, creating parent directories. The stream handed to
     * {@code writer} is buffered; closing it is allowed but not needed.
     */
    public static void write(Path target, IoConsumer<OutputStream> writer) throws IOException {
        Path dir = parentOf(target);
        Files.createDirectories(dir);
        Path tmp = createTempSibling(target, false);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream raw = Channels.newOutputStream(ch);
                BufferedOutputStream buffered = new BufferedOutputStream(raw, BUFFER_BYTES);
                writer.accept(new FilterOutputStream(buffered) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len); // FilterOutputStream's default writes byte by byte
                    }

                    @Override
                    public void close() throws IOException {
                        flush(); // the channel must stay open for force() below
                    }
                });
                buffered.flush();
                ch.force(true);
            }
            moveIntoPlace(tmp, target);
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(tmp, e);
            throw e;
        }
        fsyncDirectory(dir);
    }

    /** Atomically replaces {@code target} with {@code text} encoded as UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Publishes a whole directory (a checkpoint: weights plus metadata) so a reader never sees a mix of old and new
     * files. {@code fillTempDir} populates an empty hidden sibling directory; it is then fsynced and renamed to
     * {@code target}. An existing target is first renamed aside, then deleted after the new one is in place, so
     * there is a short window where {@code target} is absent but never one where it is partial. If publishing
     * fails, the old directory is restored and the temporary deleted.
     */
    public static void writeDirectory(Path target, IoConsumer<Path> fillTempDir) throws IOException {
        Path dir = parentOf(target);
        Files.createDirectories(dir);
        Path tmp = createTempSibling(target, true);
        try {
            fillTempDir.accept(tmp);
            fsyncTree(tmp);
        } catch (IOException | RuntimeException | Error e) {
            deleteTreeQuietly(tmp, e);
            throw e;
        }

        Path old = null;
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                old = dir.resolve("." + target.getFileName() + ".old-" + randomSuffix());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            if (old != null && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                    old = null;
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                }
            }
            deleteTreeQuietly(tmp, e);
            if (old != null) {
                e.addSuppressed(new IOException("previous contents of " + target + " were left at " + old));
            }
            throw e;
        }
        fsyncDirectory(dir);
        if (old != null) {
            deleteTree(old); // the new version is already in place; a failure here only leaves litter
        }
    }

    private static Path parentOf(Path target) {
        Path abs = target.toAbsolutePath();
        if (abs.getParent() == null || abs.getFileName() == null) {
            throw new IllegalArgumentException("cannot write to a file system root: " + target);
        }
        return abs.getParent();
    }

    private static Path createTempSibling(Path target, boolean directory) throws IOException {
        Path dir = parentOf(target);
        String prefix = "." + target.getFileName() + ".tmp-";
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve(prefix + randomSuffix());
            try {
                return directory ? Files.createDirectory(tmp) : Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    private static String randomSuffix() {
        return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Some file systems refuse the flag although a same-directory rename is still all-or-nothing for the
            // content; the target may be briefly absent, never partial.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the rename itself durable; best effort, since not every platform can open a directory. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows and some file systems: the data itself is already forced.
        }
    }

    private static void fsyncTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        ch.force(true); // fsync via a read-only descriptor works on POSIX and spares write permission
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) throw exc;
                fsyncDirectory(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) throw exc;
                try {
                    Files.deleteIfExists(d);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("could not clean up " + d + " (something wrote into it meanwhile)", e);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteQuietly(Path file, Throwable primary) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    private static void deleteTreeQuietly(Path root, Throwable primary) {
        try {
            deleteTree(root);
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}
