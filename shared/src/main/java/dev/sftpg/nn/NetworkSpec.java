package dev.sftpg.nn;

import org.nd4j.linalg.api.buffer.DataType;

/** An architecture that can build networks: the same spec and seed always give the same initial weights. */
public interface NetworkSpec {

    /** Values per input row. */
    int inputDim();

    Network build(long seed, DataType dtype);

    default Network build(long seed) {
        return build(seed, DataType.FLOAT);
    }
}
