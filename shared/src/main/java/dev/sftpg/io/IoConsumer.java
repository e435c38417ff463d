package dev.sftpg.io;

import java.io.IOException;

/**
 * A consumer that may throw {@link IOException}, so that writer lambdas passed to {@link AtomicFiles} can use
 * stream APIs directly instead of wrapping every call in {@code UncheckedIOException}.
 */
@FunctionalInterface
public interface IoConsumer<T> {
    void accept(T t) throws IOException;
}
