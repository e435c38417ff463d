package dev.sftpg.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a run folder ({@code .lock}, holding the owner's pid) for the life of the run, so that a
 * second run or a resume can never write into a folder a live run is writing. The operating system drops the lock
 * when its process dies, however it dies, so a crashed run never leaves a stale lock behind.
 */
public final class RunDirLock implements AutoCloseable {
    public static final String FILE = ".lock";

    /** The folder is locked by a live process. */
    public static final class InUseException extends IllegalStateException {
        InUseException(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private RunDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static RunDirLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        }
        if (lock == null) {
            String holder = "";
            try {
                holder = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException ignored) {
                // the message just has no pid then
            }
            ch.close();
            throw new InUseException("run folder " + runDir + " is in use by a live run" + (holder.isEmpty() ? "" : " (pid " + holder + ")"));
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(true);
        return new RunDirLock(ch, lock);
    }

    @Override
    public void close() throws IOException {
        if (lock.isValid()) lock.release();
        channel.close();
    }
}
