package dev.sftpg.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.checkpoint.Tensor;
import dev.sftpg.checkpoint.TensorFile;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigException;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint of an SFT-PG run: a directory with {@code config.json} and {@code state.sftpg} holding the
 * policy, critic and value weights and optimiser states ({@code <role>.params}, {@code <role>.optimizer}),
 * published atomically.
 */
public record FinetuneCheckpoint(Path dir, Config config, long policyVersion, Map<String, float[]> tensors) {
    public static final String STATE_FILE = "state.sftpg";
    private static final String FORMAT = "sftpg-finetune";

    public static boolean isOne(Path dir) {
        return Files.isRegularFile(dir.resolve(STATE_FILE));
    }

    public float[] tensor(String name) {
        float[] t = tensors.get(name);
        if (t == null) throw new CheckpointException(dir.resolve(STATE_FILE), "has no tensor '" + name + "'");
        return t;
    }

    public static void write(Path dir, Config config, long policyVersion, double seconds, Map<String, float[]> tensors)
            throws IOException {
        ObjectNode meta = new ObjectMapper().createObjectNode().put("format", FORMAT).put("policyVersion", policyVersion)
                .put("configHash", config.hash()).put("seconds", seconds);
        List<Tensor> list = new ArrayList<>();
        tensors.forEach((name, data) -> list.add(Tensor.vector(name, data)));
        AtomicFiles.writeDirectory(dir, tmp -> {
            Files.writeString(tmp.resolve("config.json"), config.toJson());
            TensorFile.write(tmp.resolve(STATE_FILE), meta.toString(), list);
        });
    }

    public static FinetuneCheckpoint read(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) throw new CheckpointException(dir, "missing config.json (not an SFT-PG checkpoint)");
        Config config;
        try {
            config = ConfigLoader.load(cfg.toString(), List.of(), Map.of());
        } catch (ConfigException e) {
            throw new CheckpointException(cfg, "its configuration is invalid: " + e.getMessage());
        }
        TensorFile.Contents c = TensorFile.read(dir.resolve(STATE_FILE));
        long version;
        try {
            var meta = new ObjectMapper().readTree(c.metadataJson());
            if (!FORMAT.equals(meta.path("format").asText()))
                throw new CheckpointException(dir.resolve(STATE_FILE), "not an SFT-PG checkpoint (format '" + meta.path("format").asText() + "')");
            version = meta.path("policyVersion").asLong();
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(STATE_FILE), "unreadable metadata: " + e.getMessage());
        }
        Map<String, float[]> tensors = new LinkedHashMap<>();
        c.tensors().forEach((name, t) -> tensors.put(name, t.data()));
        return new FinetuneCheckpoint(dir, config, version, tensors);
    }
}
