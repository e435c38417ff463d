package dev.sftpg.verticles.bus;

import dev.sftpg.messages.MessageCodecs;
import dev.sftpg.messages.MessageFormatException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages travel as Vert.x Buffers holding {@link MessageCodecs} bytes. Decoding happens in the receiving
 * verticle, so a malformed message is rejected and counted there (logged once per sender) instead of failing
 * somewhere inside the transport.
 */
public final class Wire {
    private final String owner;
    private final Map<String, AtomicLong> rejects = new ConcurrentHashMap<>();

    public Wire(String owner) {
        this.owner = owner;
    }

    public static Buffer encode(Object message) {
        return Buffer.buffer(MessageCodecs.encode(message));
    }

    public DeliveryOptions from() {
        return new DeliveryOptions().addHeader(Addresses.SENDER, owner).setSendTimeout(120_000);
    }

    /** The decoded body, or null after counting and (first time per sender) logging a malformed one. */
    public <T> T decode(Message<?> m, Class<T> type) {
        String sender = m.headers().get(Addresses.SENDER);
        if (sender == null) sender = "unknown";
        Object body = m.body();
        try {
            if (!(body instanceof Buffer b)) throw new MessageFormatException("body is " + (body == null ? "empty" : body.getClass().getSimpleName()) + ", not binary");
            return MessageCodecs.decode(b.getBytes(), type);
        } catch (MessageFormatException e) {
            count(sender, m.address(), e);
            if (m.replyAddress() != null) m.fail(400, "malformed message: " + e.getMessage());
            return null;
        }
    }

    /** Two messages in one body: [int32 length][bytes][int32 length][bytes]. */
    public static Buffer pair(Object first, Object second) {
        byte[] a = MessageCodecs.encode(first), b = MessageCodecs.encode(second);
        return Buffer.buffer(8 + a.length + b.length).appendInt(a.length).appendBytes(a).appendInt(b.length).appendBytes(b);
    }

    /** Both halves of a {@link #pair} body, or null after counting a malformed one. */
    public Object[] decodePair(Message<?> m, Class<?> first, Class<?> second) {
        String sender = m.headers().get(Addresses.SENDER);
        try {
            if (!(m.body() instanceof Buffer b) || b.length() < 8) throw new MessageFormatException("not a message pair");
            int la = b.getInt(0);
            if (la < 0 || 8L + la > b.length()) throw new MessageFormatException("pair: first length " + la + " exceeds the body");
            int lb = b.getInt(4 + la);
            if (lb < 0 || 8L + la + lb != b.length()) throw new MessageFormatException("pair: second length " + lb + " does not fit the body");
            return new Object[]{MessageCodecs.decode(b.getBytes(4, 4 + la), first), MessageCodecs.decode(b.getBytes(8 + la, 8 + la + lb), second)};
        } catch (MessageFormatException e) {
            count(sender == null ? "unknown" : sender, m.address(), e);
            if (m.replyAddress() != null) m.fail(400, "malformed message: " + e.getMessage());
            return null;
        }
    }

    /** Rejects a well-formed message that does not fit this run (wrong shape, wrong step count), like a malformed one. */
    public void reject(Message<?> m, String why) {
        String sender = m.headers().get(Addresses.SENDER);
        count(sender == null ? "unknown" : sender, m.address(), new MessageFormatException(why));
        if (m.replyAddress() != null) m.fail(400, why);
    }

    private void count(String sender, String address, MessageFormatException e) {
        long n = rejects.computeIfAbsent(sender, k -> new AtomicLong()).incrementAndGet();
        if (n == 1)
            Log.warn(owner, "rejected a malformed message from " + sender + " on " + address + ": " + e.getMessage()
                    + " (further rejects from it are only counted)");
    }

    public long rejectedTotal() {
        return rejects.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
