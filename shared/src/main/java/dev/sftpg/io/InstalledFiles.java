package dev.sftpg.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files that ship with sftpg (the FID classifier, the pretrained image model), found from any working directory. */
public final class InstalledFiles {
    private InstalledFiles() {
    }

    /**
     * Where a configured path is: an absolute path as it is; a relative one against the working directory, else
     * against the installation ({@code SFTPG_HOME}, which the launcher sets) when it is there.
     */
    public static Path resolve(String configured) {
        Path p = Path.of(configured);
        if (p.isAbsolute() || Files.exists(p)) return p;
        String home = System.getenv("SFTPG_HOME");
        if (home != null && !home.isBlank() && Files.exists(Path.of(home).resolve(p))) return Path.of(home).resolve(p);
        return p;
    }
}
