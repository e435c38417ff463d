package dev.sftpg.verticles.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;
import java.util.function.Consumer;

/**
 * A clustered Vert.x over Hazelcast, joined by TCP (no multicast) to the members {@link ClusterNetwork} names. Each
 * run has its own cluster name, so two runs on one machine never mix.
 */
public final class ClusterFactory {
    /** Hazelcast ports tried from the first one, so several processes of a run share one machine. */
    public static final int PORT_COUNT = 20;

    private ClusterFactory() {
    }

    /** A node that binds and advertises {@code host}, any event-bus port. */
    public static Future<Vertx> start(String clusterName, String host, List<String> members, int port) {
        return start(clusterName, new ClusterNetwork(host, host, members, port, 0, null));
    }

    public static Future<Vertx> start(String clusterName, ClusterNetwork network) {
        Config cfg = ConfigUtil.loadConfig(); // keeps vert.x's own __vertx.* map settings
        cfg.setClusterName(clusterName);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.logging.type", "none");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A worker left alone by a killed run process finds the resumed one (or a member back from a network cut)
        // by Hazelcast's split-brain merge, which by default first looks after 5 minutes and then every 2.
        cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(network.port()).setPortAutoIncrement(true).setPortCount(PORT_COUNT);
        if (network.bindsAny()) {
            cfg.setProperty("hazelcast.socket.bind.any", "true");
            net.getInterfaces().setEnabled(false);
        } else {
            // Hazelcast otherwise listens on every interface while advertising the chosen one
            cfg.setProperty("hazelcast.socket.bind.any", "false");
            net.getInterfaces().setEnabled(true).addInterface(network.bindHost());
        }
        if (!network.publicHost().equals(network.bindHost())) net.setPublicAddress(network.publicHost());
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(network.members());
        EventBusOptions bus = new EventBusOptions().setHost(network.bindHost()).setPort(network.busPort())
                .setClusterPublicHost(network.publicHost());
        if (network.busPort() != 0) bus.setClusterPublicPort(network.busPort());
        if (network.key() != null) {
            PfxOptions key = new PfxOptions().setPath(network.key().toString()).setPassword(ClusterKey.PASSWORD);
            // every member presents the run's key and trusts only it: a process without the file can neither
            // connect to another member's event bus nor accept a connection from one
            bus.setSsl(true).setKeyCertOptions(key).setTrustOptions(key).setClientAuth(ClientAuth.REQUIRED);
        }
        // on a loaded 2-core machine joining the cluster holds an event loop for 2-3 s (class loading, Hazelcast's
        // first map operations): warned of at the default 2 s limit on every start, so only 10 s is worth a word
        VertxOptions options = new VertxOptions().setEventBusOptions(bus)
                .setMaxEventLoopExecuteTime(10).setMaxEventLoopExecuteTimeUnit(java.util.concurrent.TimeUnit.SECONDS);
        return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(cfg)).buildClustered()
                .map(vertx -> vertx.exceptionHandler(ClusterFactory::unhandled));
    }

    /**
     * What Vert.x would log as "Unhandled exception", less one defect of its clustered event bus (5.0): a message
     * written to members whose connections are dying (a network cut, until the members' sockets close) has its one
     * write promise completed once per member, and every report after the first throws "Promise already completed"
     * out of Vert.x's own future plumbing, by the hundred when the queued writes of a connection fail at once. The
     * write had already failed, which the sender sees as it would for one unreachable member; the rest is noise.
     */
    static void unhandled(Throwable t) {
        if (doubleCompletion(t)) return;
        UNHANDLED.error("Unhandled exception", t);
    }

    private static final org.slf4j.Logger UNHANDLED = org.slf4j.LoggerFactory.getLogger("io.vertx.core.impl.ContextImpl");

    static boolean doubleCompletion(Throwable t) {
        if (!(t instanceof IllegalStateException) || !"Promise already completed".equals(t.getMessage())) return false;
        StackTraceElement[] at = t.getStackTrace();
        return at.length > 2 && at[0].getClassName().equals("io.vertx.core.Promise") && at[1].getClassName().equals("io.vertx.core.Promise")
                && at[1].getMethodName().equals("complete") && at[2].getClassName().startsWith("io.vertx.core.impl.future.");
    }

    /** HOST:PORT other members reach this node's Hazelcast at, or null outside a Hazelcast cluster. */
    public static String localAddress(Vertx vertx) {
        if (!(vertx instanceof VertxInternal internal) || !(internal.clusterManager() instanceof HazelcastClusterManager hz)) return null;
        var a = hz.getHazelcastInstance().getCluster().getLocalMember().getAddress();
        return a.getHost() + ":" + a.getPort();
    }

    /**
     * Calls {@code left} with the address of every member that leaves the cluster from now on (stopped or
     * unreachable), on a Hazelcast thread.
     */
    public static void onMemberLeft(Vertx vertx, Consumer<String> left) {
        if (!(vertx instanceof VertxInternal internal) || !(internal.clusterManager() instanceof HazelcastClusterManager hz)) return;
        hz.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                left.accept(e.getMember().getAddress().getHost() + ":" + e.getMember().getAddress().getPort());
            }
        });
    }
}
