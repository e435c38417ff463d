package dev.sftpg.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A validated, complete configuration: every schema key has a typed value. Immutable. */
public final class Config {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String presetName;
    private final Map<String, Object> values;

    Config(String presetName, Map<String, Object> values) {
        this.presetName = presetName;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Every key at its default. */
    public static Config defaults() {
        Map<String, Object> v = new LinkedHashMap<>();
        for (ConfigKey<?> k : ConfigSchema.keys()) v.put(k.name(), k.defaultValue());
        return new Config("defaults", v);
    }

    public <T> T get(ConfigKey<T> key) {
        return key.type().cast(values.get(key.name()));
    }

    /** The preset this configuration started from (file base name), used to name run folders. */
    public String presetName() {
        return presetName;
    }

    public Map<String, Object> values() {
        return values;
    }

    /** A copy with one key changed (validated like --set). */
    public <T> Config with(ConfigKey<T> key, Object raw) {
        Map<String, Object> v = new LinkedHashMap<>(values);
        v.put(key.name(), key.parse(raw, "override"));
        return new Config(presetName, v);
    }

    /** Nested JSON ({"pretrain": {"steps": ...}}), the format presets use; loading it gives back this config. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("preset", presetName);
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            ObjectNode node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
            }
            node.set(parts[parts.length - 1], JSON.valueToTree(e.getValue()));
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys whose values differ between this configuration and {@code other}, in schema order. */
    public java.util.List<String> differingKeys(Config other) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String k : values.keySet())
            if (!java.util.Objects.equals(values.get(k), other.values.get(k))) out.add(k);
        return out;
    }

    /** SHA-256 of the canonical key=value listing, so checkpoints can tell which config made them. */
    public String hash() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
