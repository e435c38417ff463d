package dev.sftpg.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint that cannot be used. Unchecked because callers cannot recover in place; the message is written for
 * the person running the tool: which file, what is wrong with it, and what to do about it.
 */
public class CheckpointException extends RuntimeException {

    /** The usual remedy, since a damaged checkpoint cannot be repaired. */
    public static final String DEFAULT_FIX = "re-run pretrain or point --checkpoint at another directory";

    private final transient Path path;

    public CheckpointException(Path path, String problem, String fix, Throwable cause) {
        super("checkpoint " + path + ": " + problem + (fix == null || fix.isEmpty() ? "" : "; " + fix), cause);
        this.path = path;
    }

    public CheckpointException(Path path, String problem) {
        this(path, problem, DEFAULT_FIX, null);
    }

    /** The offending file (or directory), for callers that want to offer a different one. */
    public Path path() {
        return path;
    }
}
