package dev.sftpg.finetune;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.Optimizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one way a learner's network and optimiser become a {@link LearnerState} and back: weights as
 * {@code params}, Adam/RMSprop moments as {@code optimizer}, and the optimiser's step count and learning rate among
 * the counters (the learning rate, because a numerical fault may have lowered it).
 */
public final class NetworkState {
    private NetworkState() {
    }

    /** The state of {@code network} and {@code optimizer}, plus the role's own counters and tensors. */
    public static LearnerState capture(String role, Network network, Optimizer optimizer, ObjectNode counters,
                                       Map<String, float[]> extraTensors) {
        counters.put("iteration", optimizer.iteration()).put("lr", optimizer.learningRate());
        Map<String, float[]> tensors = new LinkedHashMap<>();
        tensors.put("params", network.parameters().toFloats());
        tensors.put("optimizer", optimizer.state().dup().data().asFloat());
        tensors.putAll(extraTensors);
        return LearnerState.of(role, counters, tensors);
    }

    /** Puts the weights, moments, step count and learning rate of {@code state} back. */
    public static void restore(LearnerState state, Network network, Optimizer optimizer) {
        float[] params = state.tensor("params");
        if (params.length != network.parameters().size())
            throw new IllegalArgumentException(state.role() + " state has " + params.length + " weights, this network has "
                    + network.parameters().size() + " (a different architecture)");
        ObjectNode c = state.counters();
        network.parameters().setFloats(params);
        optimizer.restore(state.tensor("optimizer"), c.path("iteration").asInt());
        double lr = c.path("lr").asDouble(optimizer.learningRate());
        if (lr != optimizer.learningRate()) optimizer.setLearningRate(lr);
    }
}
