package dev.sftpg.verticles.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The coordinator's books that a checkpoint carries, so a resumed run continues them: the curve, the best
 * evaluation, the checkpoints written, the numerical-fault rollbacks and their learning-rate scale, and the
 * incarnation that wrote it (a resume starts above it, whatever the clock of the machine it resumes on says).
 */
public final class CoordinatorState {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String runId;
    final long incarnation;
    final JsonObject initial;
    final JsonArray curve = new JsonArray();
    final List<String> checkpoints = new ArrayList<>();
    JsonObject best;
    long rollbacks;
    double lrScale = 1;
    /** The newest version whose evaluation is on the curve: a resumed run does not evaluate it again. */
    long lastEvaluated = -1;

    public CoordinatorState(String runId, long incarnation, JsonObject initial) {
        this.runId = runId;
        this.incarnation = incarnation;
        this.initial = initial;
    }

    /** Continues from a checkpoint's coordinator record. */
    public void resumeFrom(ObjectNode saved) {
        JsonObject c = new JsonObject(saved.toString());
        c.getJsonArray("curve", new JsonArray()).forEach(curve::add);
        best = c.getJsonObject("best");
        c.getJsonArray("checkpoints", new JsonArray()).forEach(x -> checkpoints.add((String) x));
        rollbacks = c.getLong("rollbacks", 0L);
        lrScale = c.getDouble("lrScale", 1.0);
        Long evaluated = c.getLong("lastEvaluated");
        lastEvaluated = evaluated == null ? -1 : evaluated;
    }

    public JsonObject initial() {
        return initial;
    }

    public long rollbacks() {
        return rollbacks;
    }

    public double lrScale() {
        return lrScale;
    }

    public long lastEvaluated() {
        return lastEvaluated;
    }

    public JsonArray checkpoints() {
        return new JsonArray(new ArrayList<>(checkpoints));
    }

    /** The metric that draws the curve and picks the best checkpoint, as the initial evaluation names it. */
    public String metric() {
        return initial.getString("metric", "swd");
    }

    /** The best periodic evaluation's primary metric, or null before the first. */
    public Double bestScore() {
        return best == null ? null : best.getDouble(metric());
    }

    /** The policy version of the best periodic evaluation, or null before the first. */
    public Long bestVersion() {
        return best == null ? null : best.getLong("generatorStep");
    }

    /** A periodic evaluation's point joins the curve; true when it is the best so far (lowest primary metric). */
    public boolean addPeriodic(JsonObject point) {
        lastEvaluated = point.getLong("generatorStep");
        curve.add(point);
        if (best != null && point.getDouble(metric()) >= best.getDouble(metric())) return false;
        best = point;
        return true;
    }

    /** The final evaluation joins the curve (when there is one) unless its version is already the curve's last point. */
    public void addFinal(JsonObject point, boolean curveKept) {
        lastEvaluated = point.getLong("generatorStep");
        if (!curveKept) return;
        boolean onCurve = !curve.isEmpty() && curve.getJsonObject(curve.size() - 1).getLong("generatorStep").equals(lastEvaluated);
        if (!onCurve) curve.add(point);
    }

    /** The record a checkpoint stores. */
    ObjectNode toCheckpoint() {
        JsonObject c = new JsonObject().put("runId", runId).put("incarnation", incarnation).put("initial", initial).put("curve", curve.copy())
                .put("best", best).put("checkpoints", checkpoints()).put("rollbacks", rollbacks)
                .put("lrScale", lrScale).put("lastEvaluated", lastEvaluated);
        try {
            return (ObjectNode) JSON.readTree(c.encode());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
