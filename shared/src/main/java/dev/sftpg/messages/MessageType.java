package dev.sftpg.messages;

import dev.sftpg.checkpoint.LearnerState;
/**
 * The kinds of message, each with the id it carries on the wire. The ids are explicit and permanent rather than
 * {@link #ordinal()}s so that reordering or adding constants never changes the meaning of bytes a peer running
 * an older build sends; a retired id must never be reused.
 */
public enum MessageType {
    TRAJECTORY_BATCH(1, TrajectoryBatch.class),
    POLICY_WEIGHTS(2, PolicyWeights.class),
    POLICY_VERSION(3, PolicyVersion.class),
    SCORE_QUERY(4, ScoreQuery.class),
    SCORE_REPLY(5, ScoreReply.class),
    COUPLING_GRADIENT(6, CouplingGradient.class),
    CREDIT(7, Credit.class),
    METRICS_REPORT(8, MetricsReport.class),
    LEARNER_STATE(9, LearnerState.class);

    private static final MessageType[] BY_ID;

    static {
        int max = 0;
        for (MessageType t : values()) max = Math.max(max, t.id);
        BY_ID = new MessageType[max + 1];
        for (MessageType t : values()) {
            if (BY_ID[t.id] != null) throw new ExceptionInInitializerError("duplicate message type id " + t.id);
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final Class<? extends Record> recordType;

    MessageType(int id, Class<? extends Record> recordType) {
        this.id = id;
        this.recordType = recordType;
    }

    /** The uint16 written in the frame header. */
    public int id() {
        return id;
    }

    /** The record class this type decodes to. */
    public Class<? extends Record> recordType() {
        return recordType;
    }

    /** The type with this wire id, or {@code null} if this build does not know it (e.g. a newer peer's message). */
    public static MessageType forId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /**
     * The type whose record class is exactly {@code type}. Exact rather than assignable because the records are
     * final, and a lookup that silently matched a supertype would hide a wrong argument.
     *
     * @throws IllegalArgumentException if {@code type} is not one of the message records
     */
    public static MessageType forRecord(Class<?> type) {
        for (MessageType t : values()) {
            if (t.recordType == type) return t;
        }
        throw new IllegalArgumentException("not a message type: " + (type == null ? "null" : type.getName()));
    }
}
