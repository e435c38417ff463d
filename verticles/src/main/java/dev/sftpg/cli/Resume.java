package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.finetune.FinetuneCheckpoint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code run --resume RUN_DIR} continues from: the newest intact checkpoint of the folder (newer unreadable
 * ones are named and passed over) and the configuration to continue with, which may differ from the checkpoint's
 * only in operational keys ({@link ConfigSchema#changeableOnResume}) unless {@code --force} is given.
 */
record Resume(Path runDir, FinetuneCheckpoint checkpoint, Config config) {

    static Resume plan(Path runDir, String configArg, List<String> sets, Map<String, String> env, boolean force, PrintStream err)
            throws IOException {
        if (!Files.isDirectory(runDir))
            throw new UsageException("--resume " + runDir + ": no such run folder (give the folder `sftpg run` printed)");
        List<String> skipped = new ArrayList<>();
        FinetuneCheckpoint ck = FinetuneCheckpoint.newestIntact(runDir, (p, why) -> {
            skipped.add(p.getFileName() + " (" + why + ")");
            err.println("skipping checkpoint " + p + ": " + why);
        }).orElseThrow(() -> new UsageException("--resume " + runDir + ": no intact checkpoint in " + runDir.resolve("checkpoints")
                + (skipped.isEmpty() ? "" : " (unreadable: " + String.join("; ", skipped) + ")")
                + "; nothing to resume from: start a new run"));
        Config config = ConfigLoader.load(configArg != null ? configArg : runDir.resolve("config.json").toString(), sets, env);
        List<String> changed = config.differingKeys(ck.config()).stream().filter(k -> !ConfigSchema.changeableOnResume(k)).toList();
        if (!changed.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (String k : changed)
                sb.append("\n  ").append(k).append(": checkpoint ").append(ck.config().values().get(k)).append(", now ")
                        .append(config.values().get(k));
            if (!force)
                throw new UsageException("--resume " + runDir + ": the configuration differs from the checkpoint's in keys that change what is"
                        + " computed:" + sb + "\nresume with the checkpoint's values (drop those --set/--config), or pass --force to continue with the new ones");
            err.println("resuming with a changed configuration (--force):" + sb);
        }
        return new Resume(runDir, ck, config);
    }

    /**
     * The incarnation of the resumed coordinator: its start time {@code now}, but above the one that wrote the
     * checkpoint, so that a resume on a machine whose clock is behind still supersedes the coordinator it follows.
     */
    long incarnation(long now) {
        return Math.max(now, previousIncarnation() + 1);
    }

    /** The incarnation that wrote the checkpoint, 0 when it does not say (written by an older version). */
    long previousIncarnation() {
        return checkpoint.coordinator().path("incarnation").asLong(0);
    }

    String runId() {
        String id = checkpoint.coordinator().path("runId").asText("");
        return id.isEmpty() ? runDir.getFileName().toString().replaceFirst("^run-", "") : id;
    }
}
