package dev.sftpg.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.checkpoint.Tensor;
import dev.sftpg.checkpoint.TensorFile;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigException;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.io.AtomicFiles;
import dev.sftpg.checkpoint.LearnerState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint of an SFT-PG run: a directory with {@code config.json} and {@code state.sftpg}, published
 * atomically (written to a temporary directory, then renamed; the tensor file carries a SHA-256). It holds
 * everything a resumed run needs to continue exactly: each learner's {@link LearnerState} (weights
 * {@code <net>.params}, optimiser moments {@code <net>.optimizer}, the policy's buffered transitions
 * {@code policy.buffer}, and its counters, learning rate and random-stream positions in the metadata), the
 * coordinator's own state (curve, best, elapsed time) and the configuration with its hash.
 */
public record FinetuneCheckpoint(Path dir, Config config, long policyVersion, Map<String, float[]> tensors, ObjectNode metadata) {
    public static final String STATE_FILE = "state.sftpg";
    private static final String FORMAT = "sftpg-finetune";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Learner role -> the network name its tensors are stored under. */
    private static final Map<String, String> NETWORK_OF_ROLE = Map.of("generator", "policy", "discriminator", "critic", "value", "value");

    public static boolean isOne(Path dir) {
        return Files.isRegularFile(dir.resolve(STATE_FILE));
    }

    public float[] tensor(String name) {
        float[] t = tensors.get(name);
        if (t == null) throw new CheckpointException(dir.resolve(STATE_FILE), "has no tensor '" + name + "'");
        return t;
    }

    /** The coordinator's saved state (curve, best, elapsed seconds, ...); empty for older checkpoints. */
    public ObjectNode coordinator() {
        JsonNode c = metadata.path("coordinator");
        return c.isObject() ? (ObjectNode) c : JSON.createObjectNode();
    }

    /** Wall-clock seconds of the run when this checkpoint was written. */
    public double seconds() {
        return metadata.path("seconds").asDouble(0);
    }

    /** The state of the learner with this role ("generator", "discriminator", "value"). */
    public LearnerState learner(String role) {
        String net = networkOf(role);
        JsonNode counters = metadata.path("learners").path(role);
        if (!counters.isObject())
            throw new CheckpointException(dir.resolve(STATE_FILE), "has no state of the " + role + " (written by an older version?): it cannot be resumed");
        Map<String, float[]> mine = new LinkedHashMap<>();
        tensors.forEach((name, data) -> {
            if (name.startsWith(net + ".")) mine.put(name.substring(net.length() + 1), data);
        });
        try {
            return new LearnerState(role, counters.toString(), mine);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir.resolve(STATE_FILE), "holds an invalid " + role + " state: " + e.getMessage());
        }
    }

    private static String networkOf(String role) {
        String net = NETWORK_OF_ROLE.get(role);
        if (net == null) throw new IllegalArgumentException("unknown learner role '" + role + "'");
        return net;
    }

    public static void write(Path dir, Config config, long policyVersion, double seconds, Map<String, LearnerState> learners,
                             ObjectNode coordinator) throws IOException {
        ObjectNode meta = JSON.createObjectNode().put("format", FORMAT).put("policyVersion", policyVersion)
                .put("configHash", config.hash()).put("seconds", seconds);
        ObjectNode counters = meta.putObject("learners");
        List<Tensor> list = new ArrayList<>();
        learners.forEach((role, state) -> {
            counters.set(role, state.counters());
            String net = networkOf(role);
            state.tensors().forEach((name, data) -> list.add(Tensor.vector(net + "." + name, data)));
        });
        meta.set("coordinator", coordinator);
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
        ObjectNode meta;
        try {
            JsonNode node = JSON.readTree(c.metadataJson());
            if (!node.isObject() || !FORMAT.equals(node.path("format").asText()))
                throw new CheckpointException(dir.resolve(STATE_FILE), "not an SFT-PG checkpoint (format '" + node.path("format").asText() + "')");
            meta = (ObjectNode) node;
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(STATE_FILE), "unreadable metadata: " + e.getMessage());
        }
        Map<String, float[]> tensors = new LinkedHashMap<>();
        c.tensors().forEach((name, t) -> tensors.put(name, t.data()));
        return new FinetuneCheckpoint(dir, config, meta.path("policyVersion").asLong(), tensors, meta);
    }

    /** The periodic checkpoints of a run folder ({@code checkpoints/step-N}), newest first. */
    public static List<Path> stepsNewestFirst(Path runDir) throws IOException {
        Path root = runDir.resolve("checkpoints");
        if (!Files.isDirectory(root)) return List.of();
        try (var s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparingLong((Path p) -> Long.parseLong(p.getFileName().toString().substring(5))).reversed())
                    .toList();
        }
    }

    /**
     * The newest periodic checkpoint of a run folder that reads back intact; unreadable newer ones are reported to
     * {@code skipped} (path and reason) and passed over, so one torn or corrupt file costs one interval, not the run.
     */
    public static Optional<FinetuneCheckpoint> newestIntact(Path runDir, java.util.function.BiConsumer<Path, String> skipped) throws IOException {
        for (Path p : stepsNewestFirst(runDir)) {
            try {
                FinetuneCheckpoint ck = read(p);
                for (String role : NETWORK_OF_ROLE.keySet()) ck.learner(role);
                return Optional.of(ck);
            } catch (CheckpointException e) {
                skipped.accept(p, e.getMessage());
            }
        }
        return Optional.empty();
    }
}
