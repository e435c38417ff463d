package dev.sftpg.verticles.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

/**
 * A clustered Vert.x over Hazelcast, joined by TCP (no multicast) on one address. Each run has its own cluster
 * name, so two runs on one machine never mix.
 */
public final class ClusterFactory {
    private ClusterFactory() {
    }

    /**
     * @param clusterName the run's cluster name
     * @param host        the address to bind and advertise (127.0.0.1 by default)
     * @param members     addresses to try for existing members (host itself for a first node)
     * @param port        first Hazelcast port; 20 are tried
     */
    public static Future<Vertx> start(String clusterName, String host, List<String> members, int port) {
        Config cfg = ConfigUtil.loadConfig(); // keeps vert.x's own __vertx.* map settings
        cfg.setClusterName(clusterName);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.logging.type", "none");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(port).setPortAutoIncrement(true).setPortCount(20);
        net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        VertxOptions options = new VertxOptions().setEventBusOptions(
                new EventBusOptions().setHost(host).setPort(0).setClusterPublicHost(host));
        return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(cfg)).buildClustered();
    }
}
