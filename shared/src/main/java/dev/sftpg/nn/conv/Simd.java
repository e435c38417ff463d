package dev.sftpg.nn.conv;

/**
 * Whether {@link FloatKernels} can run: the JVM was started with {@code --add-modules jdk.incubator.vector} (the
 * launcher and the test configuration pass it) and {@code -Dsftpg.simd=false} does not turn them off. Without
 * them the layers use libnd4j ops only, which compute the same up to rounding, more slowly.
 */
final class Simd {
    static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("sftpg.simd"));

    private Simd() {
    }
}
