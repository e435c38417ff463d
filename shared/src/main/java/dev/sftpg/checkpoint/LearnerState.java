package dev.sftpg.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.util.Fields;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one learner needs to continue exactly where it was: its counters, learning rate and random-stream
 * positions as a JSON object, and named tensors (weights, optimiser moments, buffered transitions). Learners send
 * it for checkpoints; the coordinator sends it back to roll a learner back to its last good checkpoint. Every
 * value must be finite: a learner state with a NaN is a corrupt one and must not become a checkpoint.
 */
public record LearnerState(String role, String json, Map<String, float[]> tensors) {
    public static final int MAX_TENSORS = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    public LearnerState {
        Fields.id("role", role);
        if (json == null) throw new IllegalArgumentException("json is null");
        Fields.utf8("json", json, Fields.MAX_JSON_BYTES);
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) throw new IllegalArgumentException("json must be an object");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid JSON in json: " + e.getOriginalMessage());
        }
        if (tensors == null) throw new IllegalArgumentException("tensors is null");
        if (tensors.size() > MAX_TENSORS) throw new IllegalArgumentException(tensors.size() + " tensors, at most " + MAX_TENSORS);
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            Fields.id("tensor name", e.getKey());
            copy.put(e.getKey(), Fields.finiteCopy("tensor " + e.getKey(), e.getValue()));
        }
        tensors = Collections.unmodifiableMap(copy);
    }

    /** A state whose counters are given as a Jackson object. */
    public static LearnerState of(String role, ObjectNode counters, Map<String, float[]> tensors) {
        return new LearnerState(role, counters.toString(), tensors);
    }

    /** The counters, parsed. */
    public ObjectNode counters() {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("validated on construction", e);
        }
    }

    /** A copy of one tensor. */
    public float[] tensor(String name) {
        float[] t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(role + " state has no tensor '" + name + "' (has " + tensors.keySet() + ")");
        return t.clone();
    }

    /** The tensors without a defensive copy, for the message codec: callers must not modify them. */
    public Map<String, float[]> tensorsUnsafe() {
        return tensors;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LearnerState s) || !role.equals(s.role) || !json.equals(s.json)
                || !tensors.keySet().equals(s.tensors.keySet())) return false;
        for (String k : tensors.keySet()) if (!Arrays.equals(tensors.get(k), s.tensors.get(k))) return false;
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(role, json, tensors.keySet());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LearnerState[role=" + role + ", json=" + json);
        tensors.forEach((k, v) -> sb.append(", ").append(k).append('=').append(Fields.describe(v)));
        return sb.append(']').toString();
    }
}
