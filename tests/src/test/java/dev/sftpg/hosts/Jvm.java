package dev.sftpg.hosts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * sftpg commands as child processes started the way the {@code sftpg} launcher starts them (its JVM flags, read
 * from the script so the two cannot drift apart, and its thread settings), on this test's class path.
 */
final class Jvm {
    /** What must never reach a user's terminal for an expected event: stack frames, exceptions, library log lines. */
    static final Pattern NOISE = Pattern.compile("\tat |Exception|ERROR|^\\[[^]]+] (WARN|ERROR) ", Pattern.MULTILINE);

    private Jvm() {
    }

    /** The launcher's JVM flags: the lines between {@code exec java} and the user's own options. */
    static List<String> launcherFlags() throws IOException {
        List<String> flags = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("..", "sftpg"))) {
            String t = line.trim();
            if (t.startsWith("exec java")) {
                in = true;
                continue;
            }
            if (!in) continue;
            if (t.startsWith("${SFTPG_JAVA_OPTS")) break;
            if (t.startsWith("#") || t.isEmpty()) continue;
            for (String f : t.replaceAll("\\\\$", "").trim().split("\\s+")) if (!f.isEmpty()) flags.add(f);
        }
        if (flags.isEmpty()) throw new IllegalStateException("no JVM flags found in ../sftpg");
        return flags;
    }

    /** The command line of {@code sftpg ARGS}, prefixed by {@code prefix} (e.g. {@code ip netns exec NS}). */
    static List<String> command(List<String> prefix, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.addAll(launcherFlags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sftpg.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Process start(Path log, List<String> prefix, String... args) throws IOException {
        return start(log, java.util.Map.of(), prefix, args);
    }

    static Process start(Path log, java.util.Map<String, String> env, List<String> prefix, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(prefix, args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until {@code log} contains {@code text}, failing with the log's tail after {@code seconds}. */
    static void waitForText(Path log, String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (read(log).contains(text)) return;
            Thread.sleep(250);
        }
        String all = read(log);
        fail("timed out after " + seconds + " s waiting for '" + text + "' in " + log + ":\n" + all.substring(Math.max(0, all.length() - 4000)));
    }

    static int exitCode(Process p, int seconds, Path log) throws InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("process did not exit within " + seconds + " s:\n" + read(log));
        }
        return p.exitValue();
    }

    /** Ends a process this test started, by its handle (never by name), and waits for it. */
    static void end(Process p) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    static int post(String url, String token) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** The lines of {@code text} that {@link #NOISE} matches, for the failure message. */
    static String noise(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) if (NOISE.matcher(line).find()) b.append(line).append('\n');
        return b.toString();
    }
}
