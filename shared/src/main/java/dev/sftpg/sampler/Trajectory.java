package dev.sftpg.sampler;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The states x_0 (pure noise) .. x_S (the sample) of a batch run through one sampler record.
 * When only the final sample was kept, {@code states} holds just that one array.
 */
public record Trajectory(SamplerRecord sampler, INDArray[] states) {

    public INDArray last() {
        return states[states.length - 1];
    }

    public boolean hasAllStates() {
        return states.length == sampler.steps() + 1;
    }
}
