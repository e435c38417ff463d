package dev.sftpg.verticles.coordinator;

import dev.sftpg.verticles.bus.Log;
import io.vertx.core.json.JsonObject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The run's {@code metrics.jsonl}: one JSON line per event, each stamped with its time. Appended to, so a resumed
 * run continues the same file; flushed per line, so a killed run keeps everything up to its last event.
 */
public final class RunLog {
    private final String role;
    private BufferedWriter out;

    private RunLog(String role, BufferedWriter out) {
        this.role = role;
        this.out = out;
    }

    public static RunLog open(Path runDir, String role) throws IOException {
        return new RunLog(role, Files.newBufferedWriter(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    public void write(JsonObject line) {
        if (out == null) return; // the run has ended
        try {
            out.write(line.put("t", System.currentTimeMillis()).encode());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            Log.warn(role, "metrics log write failed: " + e.getMessage());
        }
    }

    public void close() throws IOException {
        if (out == null) return;
        out.close();
        out = null;
    }
}
