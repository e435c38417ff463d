package dev.sftpg.cli;

/** A command line the user must correct; printed without a stack trace, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
