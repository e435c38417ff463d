package dev.sftpg.data;

import java.nio.file.Path;

/**
 * A data file that cannot be used, reported with the file and 1-based line so a user can fix a file of a million rows
 * without a debugger. {@link #line()} is 0 when the problem concerns the whole file (missing, unreadable, no rows).
 */
public final class DataFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What to do about a bad line, appended to every message that names one. */
    public static final String LINE_FIX = "fix the file there (one point per line, the same number of comma-separated finite "
            + "numbers on every line) or point data.path at another file";

    private final Path file;
    private final int line;

    public DataFormatException(Path file, int line, String problem) {
        this(file, line, problem, null);
    }

    public DataFormatException(Path file, int line, String problem, Throwable cause) {
        super("data file " + file + (line > 0 ? " line " + line : "") + ": " + problem
                + (line > 0 ? "; " + LINE_FIX : ""), cause);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** 1-based line number of the offending line, or 0 for whole-file problems. */
    public int line() {
        return line;
    }
}
