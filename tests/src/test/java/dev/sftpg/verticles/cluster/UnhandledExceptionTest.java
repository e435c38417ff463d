package dev.sftpg.verticles.cluster;

import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one Vert.x defect a cluster node keeps out of its log: a failed write reported to a promise that already
 * failed, which Vert.x's event bus does once per member whose connection is dying. Made here the way Vert.x makes it
 * (a completed future handed the promise), so a Vert.x upgrade that changes its shape is noticed.
 */
class UnhandledExceptionTest {
    @Test
    void aWritePromiseCompletedTwiceByVertxIsRecognisedAndNothingElse() {
        Promise<Void> write = Promise.promise();
        write.fail("the first member's connection is closed");
        Promise<Void> second = Promise.promise();
        second.fail("the second member's too");
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> second.future().onComplete(write));
        assertTrue(ClusterFactory.doubleCompletion(twice));
        assertFalse(ClusterFactory.doubleCompletion(new IllegalStateException("Promise already completed")));
        assertFalse(ClusterFactory.doubleCompletion(new IllegalStateException("something else")));
        assertFalse(ClusterFactory.doubleCompletion(new RuntimeException("Promise already completed")));
    }
}
