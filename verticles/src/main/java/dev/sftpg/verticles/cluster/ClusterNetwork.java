package dev.sftpg.verticles.cluster;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where a process's cluster node listens and how others reach it. Bind and public addresses differ behind NAT or
 * when binding every interface; the event-bus port is fixed when a firewall must let it through.
 *
 * @param bindHost   the address Hazelcast and the event bus listen on (0.0.0.0: every interface)
 * @param publicHost the address other members are told to connect to
 * @param members    HOST or HOST:PORT of members to join (a HOST alone is tried from {@code port})
 * @param port       first Hazelcast port; {@link ClusterFactory#PORT_COUNT} are tried
 * @param busPort    event-bus port, 0 for any free one
 * @param key        the run's key file ({@link ClusterKey}): the event bus is TLS with mutual authentication; null: plain TCP
 */
public record ClusterNetwork(String bindHost, String publicHost, List<String> members, int port, int busPort, Path key) {
    public static final String ANY = "0.0.0.0";

    public ClusterNetwork {
        members = List.copyOf(members);
    }

    public boolean bindsAny() {
        return bindHost.equals(ANY);
    }

    /** A run's own node: the first member, joining itself unless {@code cluster.members} names others. */
    public static ClusterNetwork of(Config config) {
        return resolve(config.get(ConfigSchema.CLUSTER_HOST), config.get(ConfigSchema.CLUSTER_PUBLIC_HOST),
                config.get(ConfigSchema.CLUSTER_MEMBERS), config.get(ConfigSchema.CLUSTER_PORT), config.get(ConfigSchema.CLUSTER_BUS_PORT),
                "cluster.host", "cluster.publicHost", "cluster.members");
    }

    /**
     * Checks and completes the addresses; the names say which option or key to fix in the message of the
     * IllegalArgumentException (exit 2) a bad value gives.
     */
    public static ClusterNetwork resolve(String bind, String publicHost, String members, int port, int busPort,
                                         String bindName, String publicName, String membersName) {
        bind = bind == null ? "" : bind.trim();
        if (bind.isEmpty() || bind.contains(":") && !bind.contains("]") && bind.chars().filter(c -> c == ':').count() == 1)
            throw new IllegalArgumentException(bindName + " '" + bind + "' is not an address: give this machine's address"
                    + " (127.0.0.1 for one machine, 0.0.0.0 for every interface)");
        String pub = publicHost == null || publicHost.isBlank() ? bind : publicHost.trim();
        if (pub.equals(ANY))
            throw new IllegalArgumentException((bind.equals(ANY) && (publicHost == null || publicHost.isBlank()) ? bindName + " is 0.0.0.0, so "
                    + publicName + " must say" : publicName + " cannot be 0.0.0.0: give") + " the address other machines reach this one at");
        List<String> list = new ArrayList<>();
        if (members != null)
            for (String m : Arrays.stream(members.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
                checkMember(m, membersName);
                list.add(m);
            }
        if (list.isEmpty()) list.add(pub);
        return new ClusterNetwork(bind, pub, list, port, busPort, null);
    }

    private static void checkMember(String m, String membersName) {
        int colon = m.lastIndexOf(':');
        if (colon < 0 || m.indexOf(':') != colon) return; // a host, or an IPv6 address without a port
        String p = m.substring(colon + 1);
        boolean ok = colon > 0 && !p.isEmpty() && p.chars().allMatch(Character::isDigit) && p.length() <= 5
                && Integer.parseInt(p) >= 1 && Integer.parseInt(p) <= 65535;
        if (!ok)
            throw new IllegalArgumentException(membersName + " entry '" + m + "' is not HOST or HOST:PORT (one port, 1..65535; no"
                    + " ranges): e.g. 10.0.0.5 or 10.0.0.5:5701");
    }

    public ClusterNetwork withKey(Path key) {
        return new ClusterNetwork(bindHost, publicHost, members, port, busPort, key);
    }

    /** "10.0.0.5 (advertised as 203.0.113.7)" for the start-up line. */
    public String describe() {
        return bindHost + (publicHost.equals(bindHost) ? "" : " (advertised as " + publicHost + ")");
    }
}
