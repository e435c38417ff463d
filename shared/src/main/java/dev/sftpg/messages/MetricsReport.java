package dev.sftpg.messages;

import dev.sftpg.util.Fields;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A verticle's metrics snapshot, as a JSON object so each verticle can report whatever it measures without a new
 * message type. The JSON is checked on construction (and hence on decode) so that a dashboard or log consumer never
 * has to cope with a half-written or non-object snapshot.
 */
public record MetricsReport(String source, long timestampMillis, String json) {

    /** Thread-safe once configured; strict about trailing tokens so "{} garbage" is not silently accepted. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public MetricsReport {
        Fields.id("source", source);
        Fields.nonNegative("timestampMillis", timestampMillis);
        if (json == null) throw new IllegalArgumentException("json is null");
        Fields.utf8("json", json, Fields.MAX_JSON_BYTES);
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid JSON in json: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("invalid JSON in json: expected an object, got "
                    + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
    }

    /** The snapshot parsed, for consumers that want fields rather than text. */
    public JsonNode tree() {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("validated on construction", e);
        }
    }
}
