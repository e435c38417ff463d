package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.fid.Fid;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.train.Evaluator;
import dev.sftpg.finetune.LoadedModels;
import dev.sftpg.verticles.coordinator.Evaluations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code sftpg eval}: compare samplers on a checkpoint with SWD, MMD and the sharpness ratio. Any sampler of
 * {@link dev.sftpg.train.Diffusion#samplerByName} can be named, DPM-Solvers included; NFE is each one's network calls.
 */
final class EvalCommand {
    private final PrintStream out, err;

    EvalCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws Exception {
        Args args = Args.parse("eval", argv, 1, Set.of("checkpoint", "samplers", "n", "seeds"), Set.of("json"));
        Path dir = Path.of(args.require("checkpoint", "runs/swissroll/pretrained"));
        Nd4jRuntime.configure();
        LoadedModels model = LoadedModels.load(dir);
        Nd4jRuntime.configureFor(model.shape().isImage());
        Config config = model.config();
        Fid.requireClassifier(config);
        List<String> samplers = Arrays.stream((args.get("samplers") != null ? args.get("samplers")
                : model.defaultSamplers()).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (samplers.isEmpty()) throw new UsageException("eval: --samplers lists no sampler");
        for (String s : samplers) model.sampler(s); // refuse bad names before any work
        int n = args.intOption("n", config.get(ConfigSchema.EVAL_N), 2);
        int seeds = args.intOption("seeds", config.get(ConfigSchema.EVAL_SEEDS), 1);
        err.printf("eval %s%s: %s, %,d samples x %d seeds%n", model.source(), model.finetuned() == null ? ""
                : " (policy version " + model.policyVersion() + ")", String.join(", ", samplers), n, seeds);
        Evaluator evaluator = Evaluator.of(config, model.diffusion().task(), n, seeds);
        List<Evaluator.SamplerScore> scores = new java.util.ArrayList<>();
        for (String s : samplers) scores.add(evaluator.score(s, model.network(s), model.sampler(s), err));
        scores.add(evaluator.dataFloor());
        if (args.flag("json")) out.println(toJson(dir, n, seeds, scores));
        else printTable(scores);
        return Main.OK;
    }

    /** Each sampler's scores as a run's report writes them ({@link Evaluations#scoreJson}), with its name, NFE and time. */
    static String toJson(Path dir, int n, int seeds, List<Evaluator.SamplerScore> scores) {
        JsonArray samplers = new JsonArray();
        double floor = floor(scores);
        for (Evaluator.SamplerScore s : scores)
            samplers.add(new JsonObject().put("name", s.name()).put("nfe", s.nfe()).mergeIn(Evaluations.scoreJson(s))
                    .put("floorRatio", s.primaryScore().mean() / floor).put("seconds", s.seconds()));
        return new JsonObject().put("checkpoint", dir.toString()).put("n", n).put("seeds", seeds).put("samplers", samplers)
                .encodePrettily();
    }

    /** The data row's primary metric: every row is also read as a multiple of it. */
    private static double floor(List<Evaluator.SamplerScore> scores) {
        return scores.get(scores.size() - 1).primaryScore().mean();
    }

    private void printTable(List<Evaluator.SamplerScore> scores) {
        Evaluator.SamplerScore first = scores.get(0);
        String nameColumn = "%-" + Math.max(16, scores.stream().mapToInt(s -> s.name().length()).max().orElse(0)) + "s %6s";
        StringBuilder head = new StringBuilder(String.format(nameColumn, "sampler", "NFE"));
        for (String m : first.metrics().keySet())
            head.append(m.equals(first.primary()) ? String.format(" %22s", m.toUpperCase(java.util.Locale.ROOT) + " (mean +- std)")
                    : String.format(" %11s", m));
        out.println(head.append(String.format(" %8s %9s", "x floor", "time")));
        double floor = floor(scores);
        for (Evaluator.SamplerScore s : scores) {
            StringBuilder row = new StringBuilder(String.format(nameColumn, s.name(), s.nfe() == 0 ? "-" : Integer.toString(s.nfe())));
            s.metrics().forEach((m, v) -> row.append(m.equals(s.primary()) ? String.format(" %13.4f +- %.4f", v.mean(), v.std())
                    : String.format(" %11.4g", v.mean())));
            out.println(row.append(String.format(" %7.2fx %8.1fs", s.primaryScore().mean() / floor, s.seconds())));
        }
        out.println("(data = a draw of the training distribution scored the same way: the floor; x floor: the primary"
                + " metric over the floor's."
                + (first.metrics().containsKey("sharpness") ? " Sharpness 1.0 is perfect." : "")
                + (first.metrics().containsKey("fid") ? " FID is measured in the feature space of eval.fidClassifier." : "") + ")");
    }
}
