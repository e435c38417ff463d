package dev.sftpg.cluster;

import java.nio.file.Path;

/** Lets tests in other packages share the once-per-JVM pretrained toy model. */
public final class TinyModelsAccess {
    private TinyModelsAccess() {
    }

    public static Path pretrained() throws Exception {
        return TinyModels.pretrained();
    }
}
