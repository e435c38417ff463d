package dev.sftpg.nn.simd;

/**
 * Whether {@link FloatKernels} can run: the JVM was started with {@code --add-modules jdk.incubator.vector} (the
 * launcher and the test configuration pass it) and {@code -Dsftpg.simd=false} does not turn them off. Without
 * them the layers use libnd4j ops only, which compute the same up to rounding, more slowly.
 */
public final class Simd {
    public static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("sftpg.simd"));

    private Simd() {
    }
}
