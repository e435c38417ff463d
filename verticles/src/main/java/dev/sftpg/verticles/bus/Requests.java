package dev.sftpg.verticles.bus;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.function.BooleanSupplier;

/**
 * Request-reply that waits for a role to appear: roles may live in processes that join later (or whose
 * registration has not reached this node yet), so "no handlers" is retried every half second, said once.
 */
public final class Requests {
    private static final long RETRY_MILLIS = 500;

    private Requests() {
    }

    public static Future<Message<Buffer>> request(Vertx vertx, String address, Buffer body, DeliveryOptions options, String who) {
        return request(vertx, address, body, options, who, Long.MAX_VALUE);
    }

    /** As {@link #request}, but gives up waiting for a role after {@code waitMillis}. */
    public static Future<Message<Buffer>> request(Vertx vertx, String address, Buffer body, DeliveryOptions options, String who,
                                                  long waitMillis) {
        return request(vertx, address, body, options, who, waitMillis, () -> false);
    }

    /**
     * As {@link #request}, but also stops waiting once {@code abandoned} holds: the asker has moved on (to a newer
     * incarnation of the run), and nobody may ever serve the address again.
     */
    public static Future<Message<Buffer>> request(Vertx vertx, String address, Buffer body, DeliveryOptions options, String who,
                                                  long waitMillis, BooleanSupplier abandoned) {
        Promise<Message<Buffer>> result = Promise.promise();
        long deadline = waitMillis == Long.MAX_VALUE ? Long.MAX_VALUE : System.currentTimeMillis() + waitMillis;
        attempt(vertx, address, body, options, who, result, false, deadline, abandoned);
        return result.future();
    }

    private static void attempt(Vertx vertx, String address, Buffer body, DeliveryOptions options, String who,
                                Promise<Message<Buffer>> result, boolean said, long deadline, BooleanSupplier abandoned) {
        vertx.eventBus().<Buffer>request(address, body, options).onComplete(ar -> {
            if (ar.succeeded()) {
                if (said) Log.info(who, address + " is answering now");
                result.complete(ar.result());
            } else if (ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
                if (abandoned.getAsBoolean()) {
                    result.fail("no longer waiting for " + address);
                    return;
                }
                if (System.currentTimeMillis() >= deadline) {
                    result.fail("no role serves " + address + " (gave up waiting)");
                    return;
                }
                if (!said) Log.info(who, "waiting for a role to serve " + address + " ...");
                vertx.setTimer(RETRY_MILLIS, t -> attempt(vertx, address, body, options, who, result, true, deadline, abandoned));
            } else {
                result.fail(ar.cause());
            }
        });
    }
}
