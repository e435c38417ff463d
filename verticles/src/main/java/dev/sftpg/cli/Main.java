package dev.sftpg.cli;

import dev.sftpg.util.Typos;
import dev.sftpg.checkpoint.CheckpointException;
import dev.sftpg.config.ConfigException;
import dev.sftpg.data.DataFormatException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The sftpg command line. Results go to stdout, progress and logs to stderr. Exit codes: 0 success,
 * 2 a problem with the user's input (command line, configuration, data, checkpoint), 1 an internal failure.
 */
public final class Main {
    public static final int OK = 0, FAILURE = 1, USAGE = 2;

    private static final String USAGE_TEXT = """
            usage: sftpg <command> [options]

            commands:
              run       [--config F] [--set k=v ...] [--run-dir DIR] [--roles r1,r2] [--no-dashboard]
                                                                   SFT-PG fine-tuning on a clustered Vert.x (pretrains first if needed)
              worker    --role rollout|discriminator|value|generator|dashboard --cluster-name NAME [--instances N] [--http-port P]
                        [--cluster HOST[:PORT],...] [--port P] [--bind ADDR] [--public-host ADDR] [--bus-port P]
                                                                   join a running cluster (on this or another machine) with more roles
              pretrain  --config F [--set k=v ...] [--out DIR]     train the DDPM by noise prediction
              classifier [--out DIR] [--epochs N] [--set k=v ...]  train the Fashion-MNIST feature classifier of the fid
                                                                   metric (default --out models/fashion-mnist-classifier)
              eval      --checkpoint DIR [--samplers a,b] [--n N] [--seeds K] [--json]
                                                                   compare samplers with the task's metrics
              sample    --checkpoint DIR --sampler NAME --n N --out FILE.csv|FILE.png [--seed S]
              config    [--config F] [--set k=v ...] [--keys]      print the resolved config, or every key
              bench     [--config F] [--set k=v ...] [--finetune] [--steps N] [--repeats R] [--threads K] [--profile]
                        [--no-twin] [--python P] [--twin FILE] [--twin-spec FILE]
                                                                   throughput of pretraining (or --finetune: SFT-PG critic
                                                                   steps) against the PyTorch twin bench/twin.py, alternately
              bench     --unet [--widths 16,32,32] [--steps N] [--repeats R] [--threads K] [--no-twin] [--python P]
                        [--twin FILE] [--twin-spec FILE]            the image UNet's training and forward images/s against
                                                                   bench/unet_twin.py, alternately
              bench     --bus [--config F] [--set k=v ...] [--repeats R]
                                                                   one trajectory batch over the clustered event bus
                                                                   (clear and TLS) against the rollout that makes it
              help                                                 this text

            --config takes a preset name (swissroll, swissroll-reference, moons, toy-images, fashion-mnist) or a JSON file; the default
            is swissroll. Keys can also be set with environment variables SFTPG_<KEY> (pretrain.steps ->
            SFTPG_PRETRAIN_STEPS); --set wins over the environment, which wins over the preset.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Every command, in the order the usage text lists them. */
    static final List<String> COMMANDS = List.of("run", "worker", "pretrain", "classifier", "eval", "sample", "config", "bench", "help");

    static String helpHint(String command) {
        return "Run `sftpg help` for usage.";
    }

    /** "unknown command 'pretrian'; did you mean 'pretrain'? Commands: ..." */
    static String unknownCommand(String command) {
        String close = closest(command, COMMANDS);
        return "unknown command '" + command + "'" + (close == null ? "." : "; did you mean '" + close + "'?")
                + " Commands: " + String.join(", ", COMMANDS) + ". " + helpHint(command);
    }

    /** The candidate nearest to {@code word} by edit distance, or null when none is close enough to be a typo. */
    static String closest(String word, java.util.Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = Typos.distance(word.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return bestD <= Math.max(1, Math.min(3, word.length() / 3)) ? best : null;
    }

    /** Runs a command and returns its exit code (testable without exiting the JVM). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        String command = args[0];
        try {
            return switch (command) {
                case "pretrain" -> new PretrainCommand(out, err).run(args);
                case "classifier" -> new ClassifierCommand(out, err).run(args);
                case "eval" -> new EvalCommand(out, err).run(args);
                case "sample" -> new SampleCommand(out, err).run(args);
                case "config" -> new ConfigCommand(out, err).run(args);
                case "bench" -> new BenchCommand(out, err).run(args);
                case "run" -> new RunCommand(out, err).run(args);
                case "worker" -> new WorkerCommand(out, err).run(args);
                default -> throw new UsageException(unknownCommand(command));
            };
        } catch (UsageException | ConfigException | DataFormatException | CheckpointException e) {
            err.println("error: " + e.getMessage());
            return USAGE;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return USAGE;
        } catch (Exception e) {
            err.println("internal error in '" + command + "' (" + e.getClass().getSimpleName() + "): " + e.getMessage());
            if (System.getenv("SFTPG_DEBUG") != null) e.printStackTrace(err);
            else err.println("(set SFTPG_DEBUG=1 for the stack trace) args: " + Arrays.toString(args));
            return FAILURE;
        }
    }
}
