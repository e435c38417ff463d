package dev.sftpg.hosts;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The userspace router between network namespaces ({@code netns/relay.py}): one TUN device in each namespace, IP
 * packets forwarded between them by destination address, with a one-way delay, a loss rate and a cut per namespace's
 * link, set while it runs. Its commands are lines on its stdin, each answered by a line on its stdout.
 */
final class Relay implements AutoCloseable {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Relay(Process process) {
        this.process = process;
        this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            } catch (IOException ended) {
                // the relay is gone; a command waiting for an answer times out
            }
        }, "relay output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the relay with one link per {@code NS:DEV:ADDR} and waits (bounded) until its devices exist; its
     * diagnostics go to {@code log}.
     */
    static Relay start(Path log, List<String> links) throws Exception {
        Path script = Path.of(Relay.class.getResource("/netns/relay.py").toURI());
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        cmd.addAll(links);
        Relay relay = new Relay(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        String ready = relay.lines.poll(30, TimeUnit.SECONDS);
        if (ready == null || !ready.startsWith("ready")) {
            relay.close();
            throw new IllegalStateException("the relay did not start (" + ready + "): " + Jvm.read(log));
        }
        return relay;
    }

    /** Sends one command and returns its answer, failing on an error or no answer within 10 s. */
    String command(String line) throws Exception {
        in.write(line + "\n");
        in.flush();
        String answer = lines.poll(10, TimeUnit.SECONDS);
        if (answer == null || answer.startsWith("error")) throw new IllegalStateException("relay: '" + line + "' answered " + answer);
        return answer;
    }

    JsonObject stats() throws Exception {
        return new JsonObject(command("stats"));
    }

    void delay(String ns, int millis) throws Exception {
        command("delay " + ns + " " + millis);
    }

    void loss(String ns, double percent) throws Exception {
        command("loss " + ns + " " + percent);
    }

    void cut(String ns) throws Exception {
        command("cut " + ns);
    }

    void restore(String ns) throws Exception {
        command("restore " + ns);
    }

    /** End of its stdin ends the relay, and its devices with it; forced after 10 s. */
    @Override
    public void close() throws InterruptedException {
        try {
            in.close();
        } catch (IOException gone) {
            // already ended
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
