package dev.sftpg.verticles.bus;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Consumers on one incarnation's addresses that move together to a newer incarnation's: how whatever outlives a
 * run's coordinator (a worker process's rollout workers, a dashboard) follows the run to a resume. Thread-safe, as
 * a worker process moves them from an event loop.
 */
public final class IncarnationConsumers {
    private record Registration(Function<Addresses, String> address, Handler<Message<Object>> handler) {
    }

    private final EventBus eventBus;
    private final List<Registration> registrations = new ArrayList<>();
    private final List<MessageConsumer<Object>> live = new ArrayList<>();
    private Addresses at;

    public IncarnationConsumers(EventBus eventBus, Addresses at) {
        this.eventBus = eventBus;
        this.at = at;
    }

    /** The incarnation listened to now. */
    public synchronized Addresses at() {
        return at;
    }

    /** Listens on {@code address} of the current incarnation, and of every one it moves to; completes once the cluster knows. */
    @SuppressWarnings("unchecked")
    public synchronized <T> Future<Void> consumer(Function<Addresses, String> address, Handler<Message<T>> handler) {
        Registration r = new Registration(address, m -> handler.handle((Message<T>) (Message<?>) m));
        registrations.add(r);
        return register(r);
    }

    /**
     * Stops listening on the current incarnation's addresses and listens on {@code next}'s; completes once the
     * cluster knows, so a request sent after it (a hello) is answered to where this process listens.
     */
    public synchronized Future<Void> moveTo(Addresses next) {
        for (MessageConsumer<Object> c : live) c.unregister();
        live.clear();
        at = next;
        List<Future<Void>> done = new ArrayList<>();
        for (Registration r : registrations) done.add(register(r));
        return Future.all(done).mapEmpty();
    }

    private Future<Void> register(Registration r) {
        MessageConsumer<Object> c = eventBus.consumer(r.address().apply(at), r.handler());
        live.add(c);
        return c.completion();
    }
}
