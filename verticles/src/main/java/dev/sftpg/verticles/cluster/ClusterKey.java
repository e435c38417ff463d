package dev.sftpg.verticles.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A run's event-bus key: one self-signed key pair in a PKCS12 file, which every member of the run presents and
 * trusts (TLS with mutual authentication), so only processes given the file can connect to the event bus. The file
 * itself is the secret (readable by its owner only); its store password is fixed because it protects nothing the
 * file's permissions do not.
 */
public final class ClusterKey {
    public static final String FILE = "cluster-key.p12";
    /** The environment variable a worker reads the key file's path from (never a command-line argument: ps shows those). */
    public static final String ENV = "SFTPG_CLUSTER_KEY";
    static final String PASSWORD = "sftpg-cluster";

    private ClusterKey() {
    }

    /** The run folder's key, created on first use and kept, so a resumed run's workers keep theirs. */
    public static Path ensure(Path runDir) throws IOException, InterruptedException {
        Path key = runDir.resolve(FILE);
        if (Files.isRegularFile(key)) return key;
        Files.createDirectories(runDir);
        Path tmp = runDir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "sftpg", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=sftpg cluster", "-validity", "36500", "-storetype", "PKCS12", "-keystore", tmp.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IOException("keytool could not create the cluster key " + key + ": " + out.trim());
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the folder's own permissions guard it
        }
        Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE);
        return key;
    }

    /** The key file named by {@link #ENV}, or null when it is unset; a path that is no readable file is exit 2. */
    public static Path fromEnvironment(java.util.Map<String, String> env) {
        String v = env.get(ENV);
        if (v == null || v.isBlank()) return null;
        Path p = Path.of(v.trim());
        if (!Files.isReadable(p))
            throw new IllegalArgumentException(ENV + "=" + v + " is not a readable file: copy the run folder's " + FILE
                    + " to this machine and point " + ENV + " at it");
        return p;
    }
}
