package dev.sftpg.verticles.coordinator;

import dev.sftpg.checkpoint.LearnerState;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

/** What the coordinator's plain objects ask of the three learners; the coordinator verticle carries it over the bus. */
public interface LearnerBus {
    List<String> LEARNERS = List.of("generator", "discriminator", "value");

    /** Holds the generator's credits; completes once nothing is in flight (true) or after its timeout (false). */
    Future<Boolean> hold();

    /** Ends a hold taken for a checkpoint or a rollback, unless the run is paused or ending. */
    Future<?> release();

    /** Every learner's whole state, in {@link #LEARNERS} order. */
    Future<Map<String, LearnerState>> snapshot();

    Future<?> restore(String learner, LearnerState state);
}
