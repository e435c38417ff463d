package dev.sftpg.verticles.coordinator;

import dev.sftpg.verticles.bus.Log;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The dashboard's control actions (the dashboard has already checked the token): pause and resume rollouts,
 * checkpoint now, stop the run. Pausing is holding the generator: credits out come back as batches, none go out,
 * so a paused run is quiescent and a checkpoint taken meanwhile is a consistent cut.
 */
public final class DashboardControl {

    /** What the actions do to the run. */
    public interface Run {
        void end(String reason);

        /** A step checkpoint of the current version, which it completes with; fails with {@link Refused} before any. */
        Future<Long> checkpointNow();

        /** Holds (true) or releases (false) the generator. */
        void hold(boolean on);
    }

    /** An action that cannot be carried out, with the HTTP-like status the dashboard answers. */
    public static final class Refused extends RuntimeException {
        private final int code;

        public Refused(int code, String message) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private final Run run;
    private final RunLog log;
    private boolean paused;

    public DashboardControl(Run run, RunLog log) {
        this.run = run;
        this.log = log;
    }

    public boolean paused() {
        return paused;
    }

    /** Carries out {@code action}; the reply for the dashboard, or a failed future with a {@link Refused}. */
    public Future<JsonObject> handle(String action) {
        JsonObject ok = new JsonObject().put("ok", true).put("action", action);
        switch (action) {
            case "stop" -> {
                run.end("stopped from the dashboard");
                return Future.succeededFuture(ok);
            }
            case "checkpoint" -> {
                return run.checkpointNow().map(version -> ok.put("policyVersion", version));
            }
            case "pause", "resume" -> {
                paused = action.equals("pause");
                run.hold(paused);
                Log.info("coordinator", "rollouts " + (paused ? "paused" : "resumed") + " from the dashboard");
                log.write(new JsonObject().put("event", action));
                return Future.succeededFuture(ok);
            }
            default -> {
                return Future.failedFuture(new Refused(400, "unknown action '" + action + "' (pause, resume, checkpoint, stop)"));
            }
        }
    }
}
