package dev.sftpg.verticles.coordinator;

import dev.sftpg.config.Config;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/** Where a run's result came from: the pretrained model's bytes, the code's version and the configuration's hash. */
public final class Provenance {
    private Provenance() {
    }

    /** {@code pretrainedSha256} of {@code model.sftpg}, {@code codeVersion} and {@code configHash}. */
    public static JsonObject of(Path pretrainedModelFile, Config config) {
        return new JsonObject().put("pretrainedSha256", sha256(pretrainedModelFile)).put("codeVersion", codeVersion())
                .put("configHash", config.hash());
    }

    /** The file's SHA-256 in hex, or null when it cannot be read (a model deleted mid-run does not cost the report). */
    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** The jar's Implementation-Version, else {@code git describe --always --dirty} here, else "unknown". */
    static String codeVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) return v;
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            return p.exitValue() == 0 && !out.isEmpty() ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

}
