package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.SampleShape;
import dev.sftpg.finetune.Rollout;
import dev.sftpg.messages.MessageCodecs;
import dev.sftpg.messages.TrajectoryBatch;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.train.Diffusion;
import dev.sftpg.verticles.cluster.ClusterFactory;
import dev.sftpg.verticles.cluster.ClusterKey;
import dev.sftpg.verticles.cluster.ClusterNetwork;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code sftpg bench --bus}: what moving one trajectory batch of the preset costs, against the rollout that makes it.
 * The batch (S+1 states of B samples, as a rollout worker sends it) is encoded and decoded in memory, then sent
 * between two clustered Vert.x nodes over loopback TCP, in clear and over the run's mutual TLS, each message
 * decoded on arrival and acknowledged (a round trip); the rollout is timed on a fresh policy network of the preset.
 */
final class BusBench {
    private static final String ADDRESS = "sftpg.bench.batch";
    private final PrintStream out, err;

    BusBench(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(Config config, int messages, int port) throws IOException, InterruptedException {
        Diffusion diffusion = new Diffusion(config);
        SampleShape shape = diffusion.task().shape();
        Nd4jRuntime.configureFor(shape.isImage());
        SamplerRecord sampler = diffusion.policySampler();
        int b = config.get(ConfigSchema.FINETUNE_BATCH), s = sampler.steps();
        float[] states = new float[(s + 1) * b * shape.size()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < states.length; i++) states[i] = (float) r.nextGaussian();
        TrajectoryBatch batch = new TrajectoryBatch(0, "bench", 0, s, b, shape.dims(), states);
        int bytes = MessageCodecs.encode(batch).length;
        out.printf("bus (%s): one trajectory batch = %d samples x %d states of %s = %.2f MB; %d messages per median%n",
                config.presetName(), b, s + 1, shape, bytes / 1e6, messages);

        double[] codec = new double[messages];
        for (int i = -3; i < messages; i++) {
            long t0 = System.nanoTime();
            MessageCodecs.decode(MessageCodecs.encode(batch), TrajectoryBatch.class);
            if (i >= 0) codec[i] = (System.nanoTime() - t0) / 1e6;
        }
        out.printf("  encode + decode in memory (checksummed):  median %7.2f ms%n", BenchCommand.median(codec));

        double plain = roundTrips(batch, messages, port, null);
        out.printf("  clustered event bus, loopback, in clear:  median %7.2f ms per batch round trip (%.0f MB/s)%n", plain, bytes / 1e3 / plain);
        Path keyDir = Files.createTempDirectory("sftpg-bench-key");
        double tls;
        try {
            tls = roundTrips(batch, messages, port, ClusterKey.ensure(keyDir));
        } finally {
            try (var files = Files.list(keyDir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(keyDir);
        }
        out.printf("  clustered event bus, loopback, mutual TLS: median %7.2f ms per batch round trip (%.0f MB/s)%n", tls, bytes / 1e3 / tls);

        Network policy = diffusion.epsilonSpec(shape).build(1);
        double[] rollout = new double[3];
        for (int i = -1; i < rollout.length; i++) {
            long t0 = System.nanoTime();
            Rollout.generate(policy, sampler, b, Rollout.seedFor(0, 0, i + 1));
            if (i >= 0) rollout[i] = (System.nanoTime() - t0) / 1e6;
        }
        double roll = BenchCommand.median(rollout);
        out.printf("  the rollout that makes one batch (%d policy forwards of %d, %s): median %.0f ms%n", s, b, Nd4jRuntime.describe(), roll);
        out.printf("  bus share of a batch's life: %.2f%% in clear, %.2f%% over TLS%n", 100 * plain / (plain + roll), 100 * tls / (tls + roll));
        return Main.OK;
    }

    /** Median round trip of {@code messages} sends from one clustered node to a consumer on another. */
    private double roundTrips(TrajectoryBatch batch, int messages, int port, Path key) throws IOException, InterruptedException {
        String cluster = "sftpg-bench-" + ProcessHandle.current().pid() + (key == null ? "" : "-tls");
        List<String> members = List.of("127.0.0.1:" + port);
        Vertx a = await(ClusterFactory.start(cluster, new ClusterNetwork("127.0.0.1", "127.0.0.1", members, port, 0, key)));
        Vertx c = null;
        try {
            c = await(ClusterFactory.start(cluster, new ClusterNetwork("127.0.0.1", "127.0.0.1", members, port, 0, key)));
            await(c.eventBus().<Buffer>consumer(ADDRESS, m -> {
                TrajectoryBatch got = MessageCodecs.decode(m.body().getBytes(), TrajectoryBatch.class);
                m.reply(Buffer.buffer(new byte[]{(byte) got.batch()}));
            }).completion());
            double[] ms = new double[messages];
            for (int i = -3; i < messages; i++) {
                long t0 = System.nanoTime();
                await(a.eventBus().request(ADDRESS, Buffer.buffer(MessageCodecs.encode(batch))));
                if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            return BenchCommand.median(ms);
        } finally {
            if (c != null) await(c.close());
            await(a.close());
        }
    }

    private static <T> T await(Future<T> f) throws IOException, InterruptedException {
        try {
            return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("the bus benchmark's cluster failed: " + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
    }
}
