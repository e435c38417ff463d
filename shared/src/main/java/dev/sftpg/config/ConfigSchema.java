package dev.sftpg.config;

import dev.sftpg.util.Typos;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key sftpg understands, with its type, default, bounds and meaning: the one place
 * configuration is defined. Presets in {@code config/} set a subset; `sftpg config` prints this table.
 */
public final class ConfigSchema {
    private static final Map<String, ConfigKey<?>> KEYS = new LinkedHashMap<>();

    private ConfigSchema() {
    }

    private static <T> ConfigKey<T> add(ConfigKey<T> k) {
        KEYS.put(k.name(), k);
        return k;
    }

    private static ConfigKey<Integer> positiveInt(String name, int def, String doc) {
        return add(new ConfigKey<>(name, Integer.class, def, 1.0, false, null, List.of(), doc));
    }

    private static ConfigKey<Integer> intIn(String name, int def, double min, double max, String doc) {
        return add(new ConfigKey<>(name, Integer.class, def, min, false, max, List.of(), doc));
    }

    private static ConfigKey<Double> positive(String name, double def, String doc) {
        return add(new ConfigKey<>(name, Double.class, def, 0.0, true, null, List.of(), doc));
    }

    private static ConfigKey<Double> number(String name, double def, Double min, boolean exclusive, Double max, String doc) {
        return add(new ConfigKey<>(name, Double.class, def, min, exclusive, max, List.of(), doc));
    }

    private static ConfigKey<String> choice(String name, String def, String doc, String... choices) {
        return add(new ConfigKey<>(name, String.class, def, null, false, null, List.of(choices), doc));
    }

    private static ConfigKey<String> text(String name, String def, String doc) {
        return add(new ConfigKey<>(name, String.class, def, null, false, null, List.of(), doc));
    }

    private static ConfigKey<Boolean> flag(String name, boolean def, String doc) {
        return add(new ConfigKey<>(name, Boolean.class, def, null, false, null, List.of(), doc));
    }

    // ---- data
    public static final ConfigKey<String> DATA_SOURCE = choice("data.source", "swissroll",
            "Training data: a built-in 2-D generator, synthetic bar images (the image task's small stand-in), a CSV "
                    + "point cloud (x,y[,...] rows), or Fashion-MNIST's 28x28 grey images. It decides the task: points or images.",
            "swissroll", "moons", "8gaussians", "bars", "csv", "fashion-mnist");
    public static final ConfigKey<String> DATA_PATH = text("data.path", "",
            "CSV file for data.source=csv; for fashion-mnist the folder of its four IDX files, empty meaning "
                    + "/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist). Relative paths are resolved "
                    + "against the working directory.");
    public static final ConfigKey<String> DATA_CLASSES = text("data.classes", "",
            "Fashion-MNIST classes to train and evaluate on, comma-separated labels 0..9 (0 T-shirt/top, 1 Trouser, "
                    + "2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot), e.g. 0,7,9; empty: all ten.");
    public static final ConfigKey<String> DATA_EVAL_PATH = text("data.evalPath", "",
            "A second CSV file to evaluate with (rows the model is not trained on); empty: hold out data.evalFraction of data.path.");
    public static final ConfigKey<Double> DATA_EVAL_FRACTION = number("data.evalFraction", 0.1, 0.0, true, 1.0,
            "Share of data.path's rows held out (shuffled with data.seed) for evaluation when data.evalPath is empty.");
    public static final ConfigKey<Integer> DATA_IMAGE_SIZE = intIn("data.imageSize", 8, 2, 64,
            "Side of the square images of data.source=bars.");
    public static final ConfigKey<Double> DATA_NOISE = number("data.noise", 0.05, 0.0, false, null,
            "Noise std of the swissroll and moons generators (before their /20 and /2 scaling), and the pixel noise of bars.");
    public static final ConfigKey<Integer> DATA_SIZE = positiveInt("data.size", 10_000,
            "Training set size drawn once from a generator (the reference uses 10,000 points); a file's training part is used whole.");
    public static final ConfigKey<Integer> DATA_SEED = intIn("data.seed", 0, 0, Integer.MAX_VALUE,
            "Seed of the training set draw; evaluation uses fresh draws with other seeds.");

    // ---- forward process
    public static final ConfigKey<Integer> DIFFUSION_STEPS = intIn("diffusion.steps", 1000, 2, 100_000,
            "T, the number of steps of the trained DDPM chain.");
    public static final ConfigKey<String> DIFFUSION_SCHEDULE = choice("diffusion.schedule", "linear",
            "Shape of beta_t over the T steps.", "linear", "quadratic", "sigmoid");
    public static final ConfigKey<Double> DIFFUSION_BETA_START = number("diffusion.betaStart", 1e-4, 0.0, true, 1.0,
            "beta at the first step.");
    public static final ConfigKey<Double> DIFFUSION_BETA_END = number("diffusion.betaEnd", 0.02, 0.0, true, 1.0,
            "beta at the last step.");

    // ---- epsilon network
    public static final ConfigKey<String> MODEL_KIND = choice("model.kind", "sinusoidal",
            "Noise-prediction network: 'sinusoidal' (an MLP with continuous time features, any T), 'reference-toy' "
                    + "(the reference's per-step embedding MLP; integer steps only) or 'unet' (a convolutional UNet for "
                    + "images; model.widths sets its levels).", "sinusoidal", "reference-toy", "unet");
    public static final ConfigKey<String> MODEL_WIDTHS = text("model.widths", "16,32,32",
            "UNet channel width per resolution level, comma-separated; each level after the first halves the image.");
    public static final ConfigKey<Integer> MODEL_HIDDEN = positiveInt("model.hidden", 128, "Hidden layer width.");
    public static final ConfigKey<Integer> MODEL_LAYERS = intIn("model.layers", 3, 1, 16, "Number of hidden layers.");
    public static final ConfigKey<Integer> MODEL_TIME_EMBEDDING = intIn("model.timeEmbedding", 32, 2, 1024,
            "Size of the sinusoidal time features (even).");
    public static final ConfigKey<Integer> MODEL_SEED = intIn("model.seed", 1, 0, Integer.MAX_VALUE,
            "Seed of the network initialisation.");

    // ---- the few-step sampler (the policy SFT-PG fine-tunes)
    public static final ConfigKey<String> SAMPLER_KIND = choice("sampler.kind", "fastdpm-var",
            "Few-step sampler: FastDPM VAR or STEP, DDIM (eta = sampler.kappa), or ancestral DDPM over all T steps.",
            "fastdpm-var", "fastdpm-step", "ddim", "ddpm");
    public static final ConfigKey<Integer> SAMPLER_STEPS = intIn("sampler.steps", 10, 2, 100_000,
            "S, the number of sampling steps (ignored by ddpm, which takes all T).");
    public static final ConfigKey<String> SAMPLER_SPACING = choice("sampler.spacing", "quadratic",
            "How FastDPM/DDIM space their S steps or noise levels.", "linear", "quadratic");
    public static final ConfigKey<Double> SAMPLER_KAPPA = number("sampler.kappa", 1.0, 0.0, false, 1.0,
            "FastDPM kappa (DDIM eta): scale of the per-step noise; 0 is deterministic.");
    public static final ConfigKey<Double> SAMPLER_FINAL_STD = positive("sampler.finalStd", 0.001,
            "Std of the last step's noise (the reference fixes 0.001 so every step has a log-density).");
    public static final ConfigKey<String> SAMPLER_DDPM_VARIANCE = choice("sampler.ddpmVariance", "large",
            "Ancestral DDPM variance: beta_t ('large', the toy reference) or the posterior's ('small').", "large", "small");
    public static final ConfigKey<String> SAMPLER_LOG_PROB = choice("sampler.logProb", "sum",
            "Reduce a transition's log-density over dimensions by sum (2-D reference) or mean (image reference).",
            "sum", "mean");

    // ---- pretraining (DDPM noise prediction)
    public static final ConfigKey<Integer> PRETRAIN_STEPS = positiveInt("pretrain.steps", 40_000,
            "Optimiser steps of DDPM pretraining.");
    public static final ConfigKey<Integer> PRETRAIN_CHECKPOINT_EVERY = intIn("pretrain.checkpointEvery", 0, 0, Integer.MAX_VALUE,
            "Publish the pretrained directory every this many steps, so `pretrain --resume` can go on after a stop; 0: at the end only.");
    public static final ConfigKey<Integer> PRETRAIN_BATCH = positiveInt("pretrain.batchSize", 128, "Pretraining batch size.");
    public static final ConfigKey<Double> PRETRAIN_LR = positive("pretrain.lr", 1e-3, "Pretraining learning rate.");
    public static final ConfigKey<String> PRETRAIN_OPTIMIZER = choice("pretrain.optimizer", "adam",
            "Pretraining optimiser (the toy reference uses rmsprop).", "adam", "rmsprop");
    public static final ConfigKey<Double> PRETRAIN_GRAD_CLIP = number("pretrain.gradClip", 1.0, 0.0, false, null,
            "Global gradient-norm clip during pretraining; 0 disables.");
    public static final ConfigKey<Double> PRETRAIN_EMA = number("pretrain.ema", 0.999, 0.0, false, 0.999999,
            "EMA decay of the pretrained weights; 0 keeps the raw weights.");
    public static final ConfigKey<Boolean> PRETRAIN_ANTITHETIC = flag("pretrain.antithetic", true,
            "Pair each random step t with T-1-t in a batch, as the reference does.");
    public static final ConfigKey<Integer> PRETRAIN_LOG_EVERY = positiveInt("pretrain.logEvery", 1000,
            "Write a loss line to the log every this many steps.");
    public static final ConfigKey<Integer> PRETRAIN_SEED = intIn("pretrain.seed", 0, 0, Integer.MAX_VALUE,
            "Seed of batch, time-step and noise draws.");

    // ---- SFT-PG fine-tuning (reference defaults for the 2-D toy)
    public static final ConfigKey<Integer> FINETUNE_BATCH = positiveInt("finetune.batchSize", 128,
            "B: trajectories per rollout batch, real points per critic step, transitions per policy minibatch.");
    public static final ConfigKey<Integer> FINETUNE_N_CRITIC = positiveInt("finetune.nCritic", 5,
            "Critic (and value) steps, one per rollout batch, between two policy updates.");
    public static final ConfigKey<Integer> FINETUNE_N_GENERATOR = positiveInt("finetune.nGenerator", 1,
            "Policy-gradient minibatches of B transitions per policy update (1 toy, 10 images).");
    public static final ConfigKey<Double> FINETUNE_LR = positive("finetune.lr", 5e-5, "Policy (generator) Adam learning rate.");
    public static final ConfigKey<String> FINETUNE_LR_SCHEDULE = choice("finetune.lrSchedule", "constant",
            "Policy learning rate over the run: constant, or cosine (from finetune.lr down to a hundredth of it at finetune.lrDecaySteps, then flat).",
            "constant", "cosine");
    public static final ConfigKey<Integer> FINETUNE_LR_DECAY_STEPS = intIn("finetune.lrDecaySteps", 0, 0, Integer.MAX_VALUE,
            "Policy updates over which a cosine schedule decays; 0 means train.maxGeneratorSteps.");
    public static final ConfigKey<Double> FINETUNE_CRITIC_LR = positive("finetune.criticLr", 1e-3, "Critic Adam learning rate.");
    public static final ConfigKey<Double> FINETUNE_VALUE_LR = positive("finetune.valueLr", 1e-3, "Value Adam learning rate.");
    public static final ConfigKey<Double> FINETUNE_GRAD_CLIP = number("finetune.gradClip", 0.0, 0.0, false, null,
            "gamma: global gradient-norm clip of the policy update; 0 disables (the toy reference), 0.1 for images.");
    public static final ConfigKey<Double> FINETUNE_LAMBDA = number("finetune.lambda", 1.0, 0.0, false, null,
            "Weight of the value-coupling (baseline) regulariser of the critic; its loss is T' * mean (V - f(x0))^2.");
    public static final ConfigKey<Double> FINETUNE_TAIL_BASELINE_STD = number("finetune.tailBaselineStd", 0.0, 0.0, false, null,
            "Steps from which every remaining step's std is at most this take f of their noise-free continuation as the "
                    + "policy-gradient baseline instead of V(x_i, i); 0 keeps V everywhere (the reference).");
    public static final ConfigKey<Integer> FINETUNE_MAX_POLICY_LAG = intIn("finetune.maxPolicyLag", 0, 0, 1000,
            "Batches made by a policy more than this many versions old still train the critic but not the policy.");
    public static final ConfigKey<Double> FINETUNE_IMPORTANCE_CLIP = number("finetune.importanceClip", 0.0, 0.0, false, null,
            "Off-policy correction for batches up to finetune.maxPolicyLag versions old: each transition's advantage is "
                    + "weighted by its importance ratio pi_now / pi_then, truncated at this value (0: no correction).");
    public static final ConfigKey<String> CRITIC_KIND = choice("critic.kind", "auto",
            "Critic f: 'mlp' (ReLU layers over the flattened sample, critic.hidden x critic.layers), 'conv' (the image "
                    + "reference's 4x4 stride-2 convolutions with LeakyReLU 0.2, critic.widths, a last convolution to one "
                    + "channel averaged over the image; images only) or 'auto' (conv for images, mlp for points).",
            "auto", "mlp", "conv");
    public static final ConfigKey<String> CRITIC_WIDTHS = text("critic.widths", "64,128",
            "Channels of each stride-2 layer of the convolutional critic, comma-separated; each halves the image.");
    public static final ConfigKey<Integer> CRITIC_HIDDEN = positiveInt("critic.hidden", 256, "Critic f hidden width (mlp).");
    public static final ConfigKey<Integer> CRITIC_LAYERS = intIn("critic.layers", 2, 1, 16, "Critic f hidden layers (mlp).");
    public static final ConfigKey<Integer> VALUE_HIDDEN = positiveInt("value.hidden", 256, "Value V hidden width.");
    public static final ConfigKey<Integer> VALUE_LAYERS = intIn("value.layers", 2, 1, 16, "Value V hidden layers.");
    public static final ConfigKey<String> FINETUNE_PRETRAINED = text("finetune.pretrained", "",
            "Pretrained DDPM directory to fine-tune; empty means runs/<preset>/pretrained, trained first if missing.");
    public static final ConfigKey<Integer> FINETUNE_SEED = intIn("finetune.seed", 0, 0, Integer.MAX_VALUE,
            "Seed of critic/value initialisation, rollouts, real batches and minibatch draws.");

    // ---- the training run (budget, evaluation, checkpoints, cluster)
    public static final ConfigKey<Double> TRAIN_MAX_MINUTES = positive("train.maxMinutes", 30.0,
            "Wall-clock budget of a run; it then stops gracefully (final checkpoint and report).");
    public static final ConfigKey<Integer> TRAIN_MAX_GENERATOR_STEPS = intIn("train.maxGeneratorSteps", 3000, 0, Integer.MAX_VALUE,
            "Stop after this many policy updates (0: only the time budget counts).");
    public static final ConfigKey<Integer> TRAIN_EVAL_EVERY = intIn("train.evalEvery", 300, 0, Integer.MAX_VALUE,
            "Evaluate SWD every this many policy updates for the curve (0: never).");
    public static final ConfigKey<Integer> TRAIN_EVAL_N = positiveInt("train.evalN", 10_000,
            "Samples per periodic evaluation (the final one uses eval.n and eval.seeds); it also picks checkpoints/best, and "
                    + "with far fewer points SWD no longer ranks good policies on the swiss roll.");
    public static final ConfigKey<Integer> TRAIN_CHECKPOINT_EVERY = intIn("train.checkpointEvery", 500, 0, Integer.MAX_VALUE,
            "Write a checkpoint of all three networks every this many policy updates (0: only at the end).");
    public static final ConfigKey<Integer> TRAIN_ROLLOUT_WORKERS = intIn("train.rolloutWorkers", 1, 0, 64,
            "Rollout workers the run process starts itself (`worker` processes add more).");
    public static final ConfigKey<Integer> TRAIN_CREDITS = intIn("train.credits", 1, 1, 64,
            "Batches each rollout worker may have in flight; 1 with one worker reproduces the reference loop exactly.");
    public static final ConfigKey<Integer> TRAIN_KEEP_CHECKPOINTS = intIn("train.keepCheckpoints", 3, 1, 1000,
            "Periodic checkpoints kept in the run folder (older ones are deleted; `best` is kept apart).");
    public static final ConfigKey<Double> TRAIN_WORKER_TIMEOUT = number("train.workerTimeout", 10.0, 1.0, false, 3600.0,
            "Seconds without a heartbeat after which a rollout worker is declared lost and its credits recovered.");
    public static final ConfigKey<Double> TRAIN_LEARNER_TIMEOUT = number("train.learnerTimeout", 30.0, 1.0, false, 3600.0,
            "Seconds without a heartbeat after which a lost critic, value or generator stops the run (resume it with --resume).");
    public static final ConfigKey<Integer> TRAIN_NAN_ROLLBACK_AFTER = intIn("train.nanRollbackAfter", 3, 1, 1000,
            "Consecutive skipped (non-finite) updates of one learner that roll every learner back to the last checkpoint.");
    public static final ConfigKey<Double> TRAIN_NAN_LR_FACTOR = number("train.nanLrFactor", 0.5, 0.0, true, 1.0,
            "Every learning rate is multiplied by this at each numerical-fault rollback.");
    public static final ConfigKey<Double> TRAIN_COLLAPSE_FACTOR = number("train.collapseFactor", 0.0, 0.0, false, null,
            "Quality-collapse guard: a periodic evaluation worse than this times the best one rolls every learner back to "
                    + "checkpoints/best with learning rates x train.collapseLrFactor (0: off; otherwise above 1).");
    public static final ConfigKey<Double> TRAIN_COLLAPSE_LR_FACTOR = number("train.collapseLrFactor", 0.5, 0.0, true, 1.0,
            "Every learning rate is multiplied by this at each quality-collapse rollback.");
    public static final ConfigKey<String> CLUSTER_HOST = text("cluster.host", "127.0.0.1",
            "Address the cluster (Hazelcast and the event bus) binds to; 0.0.0.0 binds every interface and then needs cluster.publicHost.");
    public static final ConfigKey<String> CLUSTER_PUBLIC_HOST = text("cluster.publicHost", "",
            "Address other members reach this process at (behind NAT: the forwarded one); empty means cluster.host.");
    public static final ConfigKey<String> CLUSTER_MEMBERS = text("cluster.members", "",
            "Comma-separated HOST or HOST:PORT of members to join; empty means this process's own address (a run is the first member).");
    public static final ConfigKey<Integer> CLUSTER_BUS_PORT = intIn("cluster.busPort", 0, 0, 65535,
            "Event-bus TCP port; 0 picks a free one, which a firewall cannot be opened for: set one for runs across machines.");
    public static final ConfigKey<Boolean> CLUSTER_TLS = flag("cluster.tls", false,
            "Event bus over TLS with mutual authentication by a key the run creates (RUN_DIR/cluster-key.p12); workers need SFTPG_CLUSTER_KEY.");
    public static final ConfigKey<String> CLUSTER_NAME = text("cluster.name", "",
            "Hazelcast cluster name of the run; empty means sftpg-<run id>, unique per run so runs never mix.");
    public static final ConfigKey<Integer> CLUSTER_PORT = intIn("cluster.port", 5701, 1, 65535,
            "First Hazelcast port tried (the next 20 are tried too).");

    // ---- the live dashboard
    public static final ConfigKey<Boolean> DASHBOARD_ENABLED = flag("dashboard.enabled", true,
            "Serve the live dashboard from the run process (`run --no-dashboard` turns it off).");
    public static final ConfigKey<String> DASHBOARD_HOST = text("dashboard.host", "127.0.0.1",
            "Address the dashboard binds to; anything but loopback exposes the run's metrics to that network.");
    public static final ConfigKey<Integer> DASHBOARD_PORT = intIn("dashboard.port", 8080, 1, 65535, "Dashboard HTTP port.");
    public static final ConfigKey<String> DASHBOARD_TOKEN = text("dashboard.token", "",
            "Token the dashboard's control actions (pause, resume, checkpoint, stop) require; empty: a random one, printed at start.");

    // ---- evaluation
    public static final ConfigKey<String> EVAL_SAMPLERS = text("eval.samplers", "ddpm-1000,fastdpm-10,ddim-10",
            "Samplers `eval` compares: ddpm-N (ancestral; N < T on the sub-sequence, eta 1), fastdpm-S (the preset's kind), fastdpm-var-S, "
                    + "fastdpm-step-S, ddim-S, dpm-solver-2-NFE, dpm-solver-3-NFE, dpm-solver++-2m-NFE.");
    public static final ConfigKey<Integer> EVAL_N = positiveInt("eval.n", 10_000, "Generated and data points per seed.");
    public static final ConfigKey<Integer> EVAL_SEEDS = positiveInt("eval.seeds", 5, "Independent seeds for mean +- std.");
    public static final ConfigKey<Integer> EVAL_PROJECTIONS = positiveInt("eval.projections", 100,
            "Random directions of the sliced Wasserstein distance.");
    public static final ConfigKey<Integer> EVAL_BATCH = positiveInt("eval.batch", 10_000,
            "Rows per network call while sampling for evaluation (bounds memory).");
    public static final ConfigKey<String> EVAL_FID_CLASSIFIER = text("eval.fidClassifier", "models/fashion-mnist-classifier",
            "Feature classifier directory of the fid metric (data.source=fashion-mnist), written by `sftpg classifier`; "
                    + "a relative path is looked up in the working directory, then in the installation (SFTPG_HOME).");

    // ---- the feature classifier of the fid metric (`sftpg classifier`)
    public static final ConfigKey<Integer> CLASSIFIER_EPOCHS = intIn("classifier.epochs", 5, 1, 1000,
            "Passes over the Fashion-MNIST training images (`classifier --epochs` sets it too).");
    public static final ConfigKey<Integer> CLASSIFIER_BATCH = positiveInt("classifier.batchSize", 128, "Classifier training batch size.");
    public static final ConfigKey<Double> CLASSIFIER_LR = positive("classifier.lr", 1e-3, "Classifier Adam learning rate.");
    public static final ConfigKey<Integer> CLASSIFIER_SEED = intIn("classifier.seed", 0, 0, Integer.MAX_VALUE,
            "Seed of the classifier's initialisation and of the order of its training images.");
    public static final ConfigKey<Integer> CLASSIFIER_TRAIN_IMAGES = intIn("classifier.trainImages", 0, 0, Integer.MAX_VALUE,
            "Train on the first this many training images (0: all 60,000); for quick trials, not for the shipped classifier.");
    public static final ConfigKey<Double> CLASSIFIER_MIN_ACCURACY = number("classifier.minAccuracy", 0.9, 0.0, false, 1.0,
            "Test accuracy below which `classifier` publishes nothing and fails: a weak classifier makes a weak yardstick.");

    /** All keys in documentation order. */
    public static List<ConfigKey<?>> keys() {
        return Collections.unmodifiableList(new ArrayList<>(KEYS.values()));
    }

    /**
     * Whether a resumed run may change this key without {@code --force}: budgets, evaluation, checkpointing, fault
     * handling, cluster and dashboard settings change how a run is operated, not what it computes; the classifier keys
     * only concern {@code sftpg classifier}.
     */
    public static boolean changeableOnResume(String name) {
        return name.startsWith("train.") || name.startsWith("eval.") || name.startsWith("cluster.") || name.startsWith("dashboard.")
                || name.startsWith("classifier.");
    }

    public static ConfigKey<?> find(String name) {
        return KEYS.get(name);
    }

    /** The closest known key by edit distance, for "did you mean" hints; null when nothing is close. */
    public static String suggest(String unknown) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : KEYS.keySet()) {
            int d = Typos.distance(unknown.toLowerCase(), k.toLowerCase());
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return bestD <= Math.max(2, unknown.length() / 3) ? best : null;
    }
}
