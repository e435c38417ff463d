package dev.sftpg.finetune;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.SampleShape;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.MlpSpec;
import dev.sftpg.nn.NetworkSpec;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.task.Task;
import dev.sftpg.train.Diffusion;

/**
 * How a configuration builds the three SFT-PG learners, so that one process or a cluster of verticles make
 * exactly the same networks from the same seeds.
 */
public record SftPgSetup(Config config, Diffusion diffusion, SamplerRecord sampler, SampleShape shape) {

    /** @param shape the samples' shape, as the pretrained model records it (no data is read to know it) */
    public SftPgSetup(Config config, SampleShape shape) {
        this(config, new Diffusion(config), shape);
    }

    private SftPgSetup(Config config, Diffusion diffusion, SampleShape shape) {
        this(config, diffusion, diffusion.policySampler().requireStochastic(), shape);
    }

    /** Values per sample. */
    public int dim() {
        return shape.size();
    }

    public int batch() {
        return config.get(ConfigSchema.FINETUNE_BATCH);
    }

    public int nCritic() {
        return config.get(ConfigSchema.FINETUNE_N_CRITIC);
    }

    /**
     * The policy's learning rate for the update that follows version {@code version}: {@code finetune.lr}, or its
     * cosine decay to 0 over {@code finetune.lrDecaySteps} (default {@code train.maxGeneratorSteps}) updates. A pure
     * function of the version, so a resumed run follows the same schedule.
     */
    public double policyLr(long version) {
        double lr = config.get(ConfigSchema.FINETUNE_LR);
        if (config.get(ConfigSchema.FINETUNE_LR_SCHEDULE).equals("constant")) return lr;
        int horizon = config.get(ConfigSchema.FINETUNE_LR_DECAY_STEPS);
        if (horizon == 0) horizon = config.get(ConfigSchema.TRAIN_MAX_GENERATOR_STEPS);
        double t = Math.min(1.0, version / (double) horizon);
        // never exactly 0 (Adam refuses it): the last updates move by a hundredth of the first ones
        return Math.max(lr * 0.01, lr * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    public double lambda() {
        return config.get(ConfigSchema.FINETUNE_LAMBDA);
    }

    public long seed() {
        return config.get(ConfigSchema.FINETUNE_SEED);
    }

    public NetworkSpec criticSpec() {
        return Task.criticSpec(config, shape);
    }

    public MlpSpec valueSpec() {
        return Task.valueSpec(config, shape, sampler.steps());
    }

    public CriticLearner critic() {
        return new CriticLearner(criticSpec(), seed() * 31 + 1, config.get(ConfigSchema.FINETUNE_CRITIC_LR));
    }

    public ValueLearner value() {
        return new ValueLearner(valueSpec(), seed() * 31 + 2, config.get(ConfigSchema.FINETUNE_VALUE_LR));
    }

    /** A policy learner starting from {@code pretrained}'s weights (the network itself is copied, not shared). */
    public PolicyLearner policy(Network pretrained) {
        PolicyLearner p = new PolicyLearner(policyReplica(pretrained), sampler, diffusion.logProbReduction(), config.get(ConfigSchema.FINETUNE_LR),
                config.get(ConfigSchema.FINETUNE_GRAD_CLIP), batch(), config.get(ConfigSchema.FINETUNE_N_GENERATOR), seed() * 31 + 3);
        p.schedule(this::policyLr);
        p.tailBaseline(config.get(ConfigSchema.FINETUNE_TAIL_BASELINE_STD));
        p.offPolicyCorrection(config.get(ConfigSchema.FINETUNE_IMPORTANCE_CLIP), config.get(ConfigSchema.FINETUNE_MAX_POLICY_LAG));
        return p;
    }

    /** The critic's real batches: epochs over the training set, restorable from their position. */
    public dev.sftpg.data.EpochSampler realBatches(dev.sftpg.data.Samples data) {
        return new dev.sftpg.data.EpochSampler(data, seed() * 31 + 4);
    }

    /** A rollout copy of the policy network (same architecture, weights set by the caller). */
    public Network policyReplica(Network pretrained) {
        Network net = pretrained.spec().build(0);
        net.parameters().copyFrom(pretrained.parameters());
        return net;
    }
}
