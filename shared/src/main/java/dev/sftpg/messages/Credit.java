package dev.sftpg.messages;

import dev.sftpg.util.Fields;
/**
 * Permission for a rollout worker to send {@code credits} more trajectory batches. Flow control is by explicit
 * grant rather than by event-bus back pressure because the bus drops nothing and queues without bound: without
 * credits, fast workers would fill the learner's memory with batches from ever older policy versions.
 */
public record Credit(String workerId, int credits) {

    public Credit {
        Fields.id("workerId", workerId);
        Fields.atLeast("credits", credits, 1);
    }
}
