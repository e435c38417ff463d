package dev.sftpg.verticles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.verticles.bus.Log;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generator's books of the rollout workers: who said hello, how many credits each has in flight, which
 * returned credits are withheld while the coordinator holds the generator, and who has fallen silent. Workers
 * produce only against credits, so these books are what bounds every queue of the pipeline and what makes a
 * hold's checkpoint a consistent cut: held, with nothing in flight, no batch is anywhere between the learners.
 */
final class CreditLedger {

    /** Sends {@code n} credits to a worker. */
    interface Outbox {
        void credit(String workerId, int n);
    }

    /** What a hello is answered with: the credits granted and the worker's next batch number. */
    record Grant(int credits, long nextSequence) {
    }

    private static final class Worker {
        long batches, nextSequence, lastSeen, inFlight, withheld;
        boolean lost, greeted; // greeted: said hello to this generator, so it holds credits
    }

    private final String role;
    private final int credits;
    private final long timeoutMillis, startMillis;
    private final String clusterName;
    private final Outbox outbox;
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    private final List<Runnable> heldHellos = new ArrayList<>();
    private long workersLost;
    private boolean held, saidNoWorkers;

    CreditLedger(String role, GeneratorSettings settings, Outbox outbox, long startMillis) {
        this.role = role;
        this.credits = settings.credits();
        this.timeoutMillis = settings.workerTimeoutMillis();
        this.clusterName = settings.clusterName();
        this.outbox = outbox;
        this.startMillis = startMillis;
    }

    private Worker worker(String id) {
        return workers.computeIfAbsent(id, k -> new Worker());
    }

    /**
     * A worker's hello: grants it its credits, or, while held, keeps {@code retry} for the release (a worker joining
     * now must not start producing mid-checkpoint) and returns null.
     */
    Grant hello(String workerId, Runnable retry) {
        if (held) {
            heldHellos.add(retry);
            return null;
        }
        Worker w = worker(workerId);
        boolean rejoin = w.lost;
        w.lost = false;
        w.greeted = true;
        w.lastSeen = System.currentTimeMillis();
        w.inFlight = credits; // whatever it held before a coordinator restart is void now
        w.withheld = 0;
        Log.info(role, "rollout worker " + workerId + (rejoin ? " re-attached" : " joined") + "; granting " + credits
                + " credit(s), next batch #" + w.nextSequence + (saidNoWorkers ? "; training continues" : ""));
        saidNoWorkers = false;
        return new Grant(credits, w.nextSequence);
    }

    /** A known worker's metrics snapshot is its heartbeat. */
    void heardFrom(String workerId) {
        Worker w = workerId == null ? null : workers.get(workerId);
        if (w != null) w.lastSeen = System.currentTimeMillis();
    }

    /** A batch reached the generator: counted for the report, and its number moves the worker's next one on. */
    void batchArrived(String workerId, long sequence) {
        Worker w = worker(workerId);
        w.batches++;
        w.nextSequence = Math.max(w.nextSequence, sequence + 1);
    }

    /** A batch (or news of its loss) came back from {@code workerId}: its credit returns, or is withheld while held. */
    void creditReturned(String workerId) {
        Worker w = workers.get(workerId);
        if (w == null) return; // a stray sender that never said hello holds no credits
        w.lastSeen = System.currentTimeMillis();
        w.inFlight = Math.max(0, w.inFlight - 1);
        // a worker declared lost, or one known only from its batches, gets no credits until it says hello
        if (w.lost || !w.greeted) return;
        if (held) {
            w.withheld++;
            return;
        }
        w.inFlight++;
        outbox.credit(workerId, 1);
    }

    /** Declares silent workers lost (recovering their credits) and says once when none is left. */
    void checkWorkers() {
        long now = System.currentTimeMillis();
        workers.forEach((id, w) -> {
            if (w.lost || !w.greeted || now - w.lastSeen < timeoutMillis) return;
            w.lost = true;
            workersLost++;
            Log.warn(role, "rollout worker " + id + " lost (silent for " + (now - w.lastSeen) / 1000 + " s): "
                    + (w.inFlight + w.withheld) + " credit(s) recovered; " + liveWorkers() + " worker(s) left");
            w.inFlight = 0;
            w.withheld = 0;
        });
        if (liveWorkers() == 0 && !saidNoWorkers && now - startMillis > timeoutMillis) {
            saidNoWorkers = true;
            Log.warn(role, "no rollout worker alive: waiting for one to join (sftpg worker --role rollout --cluster-name "
                    + (clusterName == null ? "<this run's cluster>" : clusterName) + ")");
        }
    }

    /** From now on returned credits are withheld and hellos wait. */
    void hold() {
        held = true;
    }

    /** Sends every withheld credit, then answers the hellos that waited; returns the credits released. */
    int release() {
        held = false;
        int released = 0;
        for (Map.Entry<String, Worker> e : workers.entrySet()) {
            Worker w = e.getValue();
            if (w.withheld > 0 && !w.lost) {
                w.inFlight += w.withheld;
                outbox.credit(e.getKey(), (int) w.withheld);
                released += (int) w.withheld;
            }
            w.withheld = 0;
        }
        List<Runnable> hellos = new ArrayList<>(heldHellos);
        heldHellos.clear();
        hellos.forEach(Runnable::run);
        return released;
    }

    boolean held() {
        return held;
    }

    /** Held with nothing in flight: a checkpoint now is a consistent cut. */
    boolean quiescent() {
        return held && inFlight() == 0;
    }

    long liveWorkers() {
        return workers.values().stream().filter(w -> w.greeted && !w.lost).count();
    }

    long inFlight() {
        return workers.values().stream().filter(w -> w.greeted && !w.lost).mapToLong(w -> w.inFlight).sum();
    }

    /** Each worker's batch count and next batch number, for a checkpoint. */
    void capture(ObjectNode into) {
        workers.forEach((id, w) -> into.putObject(id).put("batches", w.batches).put("nextSequence", w.nextSequence));
    }

    /** A checkpoint's workers: counted as before, but lost until each says hello again. */
    void restore(JsonNode from) {
        from.fields().forEachRemaining(e -> {
            Worker w = new Worker();
            w.batches = e.getValue().path("batches").asLong();
            w.nextSequence = e.getValue().path("nextSequence").asLong();
            w.lost = true;
            workers.put(e.getKey(), w);
        });
    }

    JsonObject workersJson() {
        JsonObject ws = new JsonObject();
        workers.forEach((id, w) -> ws.put(id, new JsonObject().put("batches", w.batches).put("lastSeenMillis", w.lastSeen)
                .put("inFlight", w.inFlight).put("lost", w.lost)));
        return ws;
    }

    long workersLost() {
        return workersLost;
    }
}
