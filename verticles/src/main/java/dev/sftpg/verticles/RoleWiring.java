package dev.sftpg.verticles;

import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.Samples;
import dev.sftpg.finetune.FinetuneCheckpoint;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.checkpoint.LearnerState;
import dev.sftpg.nn.Network;
import dev.sftpg.verticles.coordinator.CoordinatorSettings;
import dev.sftpg.verticles.coordinator.Evaluations;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * Builds the verticles a process hosts, the same way in {@code run} and {@code worker}: every role gets its
 * settings resolved here, once, from the run's configuration, and the same data.
 */
public final class RoleWiring {
    /** The roles a process can host besides the coordinator and the dashboard, in the order they are deployed. */
    public static final List<String> ROLES = List.of("value", "discriminator", "generator", "rollout");

    /** A verticle and the name of its own single-thread pool. */
    public record Hosted(String pool, VerticleBase verticle) {
    }

    /** Where a learner starts from: a resumed checkpoint's state, or null for a fresh run. */
    public interface StartStates {
        LearnerState of(String role) throws Exception;
    }

    /**
     * How this process names and numbers its rollout workers (the number seeds their noise, so it must be unique in
     * the run), the network they start from, and whether they outlive the run's coordinator (a worker process's):
     * those re-attach after a silence of the run longer than {@code train.workerTimeout}, and follow it to a resume;
     * the run's own stop when a newer incarnation takes over.
     */
    public record Rollouts(int count, IntFunction<String> id, IntUnaryOperator number, Network network, boolean remote) {
    }

    private final RunSpec spec;
    private final SftPgSetup setup;

    public RoleWiring(RunSpec spec) {
        this.spec = spec;
        this.setup = spec.setup();
    }

    public SftPgSetup setup() {
        return setup;
    }

    /** The real samples the dashboard shows with the policy's: one fixed evaluation draw, so every process shows the same. */
    public Samples dashboardData() {
        return setup.diffusion().dataSource().evaluationSample(2000, 0);
    }

    public DashboardVerticle dashboard(String host, int port, String token, JsonObject runInfo) {
        return new DashboardVerticle(host, port, token, runInfo, dashboardData(), spec.addresses());
    }

    /**
     * The run's coordinator.
     *
     * @param pretrained the pretrained network, whose architecture the evaluations use
     * @param resumed    the checkpoint a resumed run continues from, or null
     */
    public CoordinatorVerticle coordinator(Path runDir, Network pretrained, Path pretrainedModelFile, JsonObject initial,
                                           Promise<JsonObject> finished, FinetuneCheckpoint resumed) {
        Network evalNetwork = setup.policyReplica(pretrained);
        Samples plotData = setup.diffusion().trainingSet();
        return new CoordinatorVerticle(spec, CoordinatorSettings.from(spec.config()), runDir,
                () -> new Evaluations(spec.config(), setup, evalNetwork, plotData, runDir),
                pretrainedModelFile, initial, finished, resumed);
    }

    /**
     * The learner and rollout verticles for {@code roles}, in deployment order (learners before the rollout workers
     * that feed them).
     *
     * @param pretrained the pretrained network the generator starts from; only needed when it is hosted here
     */
    public List<Hosted> learners(List<String> roles, StartStates start, Network pretrained, Rollouts rollouts) throws Exception {
        List<Hosted> out = new ArrayList<>();
        LearnerSettings learner = LearnerSettings.from(spec.config());
        if (roles.contains("value"))
            out.add(new Hosted("value", new ValueVerticle(setup, learner, spec.addresses(), start.of("value"))));
        if (roles.contains("discriminator"))
            out.add(new Hosted("discriminator", new DiscriminatorVerticle(setup, learner, spec.addresses(), setup.diffusion().trainingSet(),
                    start.of("discriminator"))));
        if (roles.contains("generator"))
            out.add(new Hosted("generator", new GeneratorVerticle(setup, GeneratorSettings.from(spec.config(), spec.runId()),
                    spec.addresses(), pretrained, start.of("generator"))));
        if (roles.contains("rollout"))
            for (int i = 0; i < rollouts.count(); i++) {
                String id = rollouts.id().apply(i);
                int number = rollouts.number().applyAsInt(i);
                out.add(new Hosted("rollout-" + i, rollouts.remote()
                        ? new RolloutVerticle(id, number, setup, rollouts.network(), spec.addresses(),
                        (long) (spec.config().get(ConfigSchema.TRAIN_WORKER_TIMEOUT) * 1000))
                        : new RolloutVerticle(id, number, setup, rollouts.network(), spec.addresses())));
            }
        return out;
    }
}
