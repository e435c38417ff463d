package dev.sftpg.hosts;

import dev.sftpg.cli.Main;
import dev.sftpg.verticles.cluster.ClusterNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The addresses a multi-host run is given: defaults stay on loopback; bad ones are exit 2 naming the option or key. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClusterOptionsTest {
    @Test
    void defaultsAreLoopbackAndPublicFollowsBind() {
        ClusterNetwork n = ClusterNetwork.resolve("127.0.0.1", "", "", 5701, 0, "b", "p", "m");
        assertEquals("127.0.0.1", n.publicHost());
        assertEquals(List.of("127.0.0.1"), n.members());
        ClusterNetwork nat = ClusterNetwork.resolve("0.0.0.0", "203.0.113.7", "10.0.0.5:5701, 10.0.0.6", 5701, 5801, "b", "p", "m");
        assertTrue(nat.bindsAny());
        assertEquals("203.0.113.7", nat.publicHost());
        assertEquals(List.of("10.0.0.5:5701", "10.0.0.6"), nat.members());
        assertThrows(IllegalArgumentException.class, () -> ClusterNetwork.resolve("0.0.0.0", "", "", 5701, 0, "b", "p", "m"));
        assertThrows(IllegalArgumentException.class, () -> ClusterNetwork.resolve("10.0.0.5:5701", "", "", 5701, 0, "b", "p", "m"));
        assertThrows(IllegalArgumentException.class, () -> ClusterNetwork.resolve("10.0.0.5", "", "10.0.0.1:5701-5710", 5701, 0, "b", "p", "m"));
    }

    @Test
    void badAddressesAreExitTwoNamingTheOption() {
        expect(List.of("worker", "--role", "rollout", "--cluster-name", "x", "--cluster", "10.77.9.9:5701-5710"), "--cluster", "HOST:PORT");
        expect(List.of("worker", "--role", "rollout", "--cluster-name", "x", "--bind", "0.0.0.0"), "--public-host", "0.0.0.0");
        expect(List.of("worker", "--role", "rollout", "--cluster-name", "x", "--bus-port", "70000"), "--bus-port");
        expect(List.of("run", "--config", "swissroll-reference", "--set", "cluster.host=0.0.0.0"), "cluster.publicHost", "0.0.0.0");
        expect(List.of("run", "--config", "swissroll-reference", "--set", "cluster.members=h:0"), "cluster.members", "HOST:PORT");
    }

    private static void expect(List<String> args, String... inMessage) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.USAGE, code, args + ": " + text);
        for (String s : inMessage) assertTrue(text.contains(s), args + " should name " + s + ": " + text);
        assertTrue(!text.contains("\tat "), text);
    }
}
