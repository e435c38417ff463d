package dev.sftpg.train;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.DataSource;
import dev.sftpg.data.Samples;
import dev.sftpg.data.SampleShape;
import dev.sftpg.nn.NetworkSpec;
import dev.sftpg.sampler.Ddpm;
import dev.sftpg.sampler.DpmSolver;
import dev.sftpg.sampler.FastDpm;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.Sampler;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import dev.sftpg.task.Task;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a configuration means numerically: the forward process, the network architecture, the data source and
 * every sampler by name. The one place config values turn into schedules, samplers and networks.
 */
public final class Diffusion {
    private static final Pattern SAMPLER_NAME = Pattern.compile("(ddpm|fastdpm|fastdpm-var|fastdpm-step|ddim)-(\\d+)");
    private static final Pattern SOLVER_NAME = Pattern.compile("dpm-solver(-[123]|\\+\\+-2m)-(\\d+)(-time)?");
    private static final String RECORD_FORMS = "ddpm-N, fastdpm-S, fastdpm-var-S, fastdpm-step-S, ddim-S";
    private static final String SOLVER_FORMS = "dpm-solver-1-NFE, dpm-solver-2-NFE, dpm-solver-3-NFE, dpm-solver++-2m-NFE (steps uniform in "
            + "log-SNR; add -time for steps uniform in time)";

    private final Config config;
    private final NoiseSchedule schedule;
    private final BetaSchedule shape;
    private Task task;

    public Diffusion(Config config) {
        this.config = config;
        this.shape = BetaSchedule.parse(config.get(ConfigSchema.DIFFUSION_SCHEDULE));
        this.schedule = NoiseSchedule.of(shape, config.get(ConfigSchema.DIFFUSION_STEPS),
                config.get(ConfigSchema.DIFFUSION_BETA_START), config.get(ConfigSchema.DIFFUSION_BETA_END));
    }

    public Config config() {
        return config;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /** What is generated: data, networks, metrics and renderer (built once; a data file is read here). */
    public synchronized Task task() {
        if (task == null) task = Task.of(config);
        return task;
    }

    /** The noise predictor for samples of {@code shape} (the task's; a checkpoint's metadata or the run says which). */
    public NetworkSpec epsilonSpec(SampleShape shape) {
        return Task.epsilonSpec(config, shape, schedule.steps());
    }

    public DataSource dataSource() {
        return task().data();
    }

    /** The training set: {@code data.size} samples drawn once with {@code data.seed}, or a file's training part. */
    public Samples trainingSet() {
        return dataSource().trainingSet(config.get(ConfigSchema.DATA_SIZE), config.get(ConfigSchema.DATA_SEED));
    }

    public LogProbReduction logProbReduction() {
        return LogProbReduction.parse(config.get(ConfigSchema.SAMPLER_LOG_PROB));
    }

    /** The few-step sampler the preset fine-tunes (the policy). */
    public SamplerRecord policySampler() {
        String kind = config.get(ConfigSchema.SAMPLER_KIND);
        int steps = kind.equals("ddpm") ? schedule.steps() : config.get(ConfigSchema.SAMPLER_STEPS);
        return sampler(kind + "-" + steps);
    }

    /**
     * Any sampler by name, for evaluation and sampling: a {@link #sampler record} or a DPM-Solver,
     * {@code dpm-solver-K-NFE} (singlestep, order K = 1, 2 or 3, NFE network calls) or {@code dpm-solver++-2m-NFE}
     * (multistep DPM-Solver++(2M)), with step times uniform in log-SNR, or in time with the suffix {@code -time}.
     */
    public Sampler samplerByName(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        Matcher m = SOLVER_NAME.matcher(key);
        if (!m.matches()) {
            if (!SAMPLER_NAME.matcher(key).matches())
                throw new IllegalArgumentException("unknown sampler '" + name + "' (use " + RECORD_FORMS + ", " + SOLVER_FORMS + ")");
            return sampler(name);
        }
        if (config.get(ConfigSchema.MODEL_KIND).equals("reference-toy"))
            throw new IllegalArgumentException("sampler " + name + " needs continuous times, which model.kind=reference-toy cannot take");
        int nfe = Integer.parseInt(m.group(2));
        if (nfe < 1) throw new IllegalArgumentException("sampler " + name + " needs at least one network call");
        DpmSolver.Spacing spacing = m.group(3) == null ? DpmSolver.Spacing.LOG_SNR : DpmSolver.Spacing.TIME_UNIFORM;
        return m.group(1).equals("++-2m") ? DpmSolver.multistep(schedule, nfe, spacing)
                : DpmSolver.singlestep(schedule, Integer.parseInt(m.group(1).substring(1)), nfe, spacing);
    }

    /**
     * A sampler record by name: {@code ddpm-N} (ancestral over all T steps for N = T; for N < T the ancestral chain
     * on the N-step sub-sequence of {@code sampler.spacing}, eta = 1), {@code fastdpm-S} (the preset's FastDPM
     * kind), {@code fastdpm-var-S}, {@code fastdpm-step-S}, {@code ddim-S} (eta = sampler.kappa for the policy
     * kind ddim, else 0).
     */
    public SamplerRecord sampler(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        Matcher m = SAMPLER_NAME.matcher(key);
        if (!m.matches()) {
            if (SOLVER_NAME.matcher(key).matches())
                throw new IllegalArgumentException("sampler " + name + " is an ODE solver, not a per-step record: it can be "
                        + "evaluated and sampled from but not fine-tuned (use " + RECORD_FORMS + ")");
            throw new IllegalArgumentException("unknown sampler '" + name + "' (use " + RECORD_FORMS + ", " + SOLVER_FORMS + ")");
        }
        String kind = m.group(1);
        int steps = Integer.parseInt(m.group(2));
        double kappa = config.get(ConfigSchema.SAMPLER_KAPPA);
        double finalStd = config.get(ConfigSchema.SAMPLER_FINAL_STD);
        FastDpm.Spacing spacing = FastDpm.Spacing.valueOf(config.get(ConfigSchema.SAMPLER_SPACING).toUpperCase(Locale.ROOT));
        if (kind.equals("fastdpm")) {
            String preset = config.get(ConfigSchema.SAMPLER_KIND);
            kind = preset.equals("fastdpm-step") ? "fastdpm-step" : "fastdpm-var";
        }
        boolean integerStepsOnly = config.get(ConfigSchema.MODEL_KIND).equals("reference-toy");
        return switch (kind) {
            case "ddpm" -> {
                if (steps > schedule.steps())
                    throw new IllegalArgumentException("sampler " + name + ": the DDPM has only T = " + schedule.steps()
                            + " steps (ddpm-" + schedule.steps() + " runs them all)");
                // Fewer steps than T: the ancestral chain on the sub-sequence, with the posterior variance of the
                // skipped chain (DDIM's eta = 1, FastDPM-STEP's kappa = 1), whatever the preset's kappa.
                yield steps == schedule.steps()
                        ? Ddpm.ancestral(schedule, Ddpm.Variance.parse(config.get(ConfigSchema.SAMPLER_DDPM_VARIANCE)), finalStd)
                        : FastDpm.step(schedule, steps, spacing, 1.0, finalStd, "ddpm-" + steps);
            }
            case "fastdpm-var" -> {
                if (integerStepsOnly)
                    throw new IllegalArgumentException("sampler " + name + " needs continuous times, which model.kind=reference-toy cannot take");
                yield FastDpm.var(schedule, steps, spacing, kappa, finalStd, shape == BetaSchedule.LINEAR);
            }
            case "fastdpm-step" -> FastDpm.step(schedule, steps, spacing, kappa, finalStd, "fastdpm-step-" + steps);
            case "ddim" -> FastDpm.step(schedule, steps, spacing,
                    config.get(ConfigSchema.SAMPLER_KIND).equals("ddim") ? kappa : 0.0, finalStd, "ddim-" + steps);
            default -> throw new IllegalStateException(kind);
        };
    }
}
