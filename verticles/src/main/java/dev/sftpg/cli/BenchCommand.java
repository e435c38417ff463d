package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import dev.sftpg.data.EpochSampler;
import dev.sftpg.data.Samples;
import dev.sftpg.finetune.CriticLearner;
import dev.sftpg.finetune.PolicyLearner;
import dev.sftpg.finetune.Rollout;
import dev.sftpg.finetune.SftPgLoop;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.finetune.ValueLearner;
import dev.sftpg.nn.Network;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.nn.Optimizer;
import dev.sftpg.nn.conv.UNetSpec;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.train.Diffusion;
import dev.sftpg.train.Pretrainer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * {@code sftpg bench}: throughput of sftpg and of its PyTorch twin ({@code bench/twin.py}), measured alternately in
 * the same invocation (sftpg, twin, sftpg, twin, ...) after a warm-up of each, with both medians and their ratio.
 * Pretraining: optimiser steps/s of the DDPM noise-prediction loop. {@code --finetune}: critic steps/s of SFT-PG
 * in one thread ({@link SftPgLoop}: rollout, value step, critic step, a policy update every nCritic batches), the
 * twin running the same loop. Without {@code /usr/bin/python3} and torch it says so and prints sftpg's figures only.
 * {@code --profile} adds an instrumented pass: time per phase and ND4J op calls per step. {@code --unet}: the image
 * UNet's training and forward images/s ({@link UNetBench}) against {@code bench/unet_twin.py}, the same network
 * layer for layer, which checks its parameter count and its outputs against sftpg's before it times anything.
 * {@code --bus}: the cost of moving one trajectory batch of the preset over the clustered event bus ({@link BusBench}).
 */
final class BenchCommand {
    private final PrintStream out, err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private interface Repeat {
        double rate(int steps);
    }

    int run(String[] argv) throws IOException, InterruptedException {
        Args args = Args.parse("bench", argv, 1, Set.of("config", "steps", "repeats", "twin", "python", "threads", "twin-spec", "widths"),
                Set.of("finetune", "no-twin", "profile", "unet", "bus"));
        if (args.flag("unet")) return runUnet(args);
        if (args.flag("bus")) {
            if (args.flag("finetune") || args.flag("profile") || args.get("widths") != null)
                throw new UsageException("bench --bus takes --config, --set and --repeats (messages per median)");
            return new BusBench(out, err).run(ConfigLoader.load(args.get("config"), args.sets(), System.getenv()),
                    args.intOption("repeats", 20, 1), 5951);
        }
        if (args.get("widths") != null) throw new UsageException("bench: --widths belongs to --unet");
        boolean finetune = args.flag("finetune");
        int steps = args.intOption("steps", finetune ? 250 : 2000, 1);
        int repeats = args.intOption("repeats", 5, 1);
        int threads = args.intOption("threads", 1, 1);
        Config base = ConfigLoader.load(args.get("config"), args.sets(), System.getenv());
        Config config = base.with(ConfigSchema.PRETRAIN_STEPS, steps).with(ConfigSchema.PRETRAIN_LOG_EVERY, steps);
        Diffusion diffusion = new Diffusion(config);
        Nd4jRuntime.configureFor(diffusion.task().isImage());
        Samples data = diffusion.trainingSet();
        String what = finetune ? "finetune" : "pretrain";
        String unit = finetune ? "critic steps/s" : "steps/s";
        int batch = config.get(finetune ? ConfigSchema.FINETUNE_BATCH : ConfigSchema.PRETRAIN_BATCH);

        // sftpg's side; for fine-tuning one loop, warmed up once and run on (as the twin's)
        Network policy = diffusion.epsilonSpec(data.shape()).build(config.get(ConfigSchema.MODEL_SEED));
        Repeat sftpg;
        if (finetune) {
            SftPgLoop loop = new SftPgLoop(new SftPgSetup(config, data.shape()), policy, data);
            sftpg = n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) loop.step();
                return n / ((System.nanoTime() - t0) / 1e9);
            };
        } else {
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            sftpg = n -> {
                Pretrainer.Result res = new Pretrainer(config.with(ConfigSchema.PRETRAIN_STEPS, n).with(ConfigSchema.PRETRAIN_LOG_EVERY, n), data).run(quiet, null);
                return n / res.seconds();
            };
        }

        if (args.get("twin-spec") != null) {
            // the twin's input, for running bench/twin.py by hand
            Files.writeString(Path.of(args.get("twin-spec")), twinSpec(config, diffusion, data, policy).encode());
            err.println("wrote the twin's spec to " + args.get("twin-spec"));
            return Main.OK;
        }
        boolean noTwin = args.flag("no-twin");
        if (!noTwin && data.shape().isImage()) {
            err.println("bench: the PyTorch twin runs the 2-D presets only; timing sftpg alone (bench --unet compares the image UNet)");
            noTwin = true;
        }
        Twin twin = noTwin ? null
                : Twin.start(args.get("python"), args.get("twin"), what, steps, threads, twinSpec(config, diffusion, data, policy), err);
        try {
            err.printf("bench %s %s: batch %d, %d steps x %d repeats after a warm-up%s; %s%n", what,
                    config.presetName(), batch, steps, repeats,
                    twin == null ? "" : ", alternating sftpg and the twin (" + twin.description + ")", Nd4jRuntime.describe());
            sftpg.rate(Math.max(1, steps / 4));
            double[] mine = new double[repeats], theirs = new double[twin == null ? 0 : repeats];
            for (int r = 0; r < repeats; r++) {
                mine[r] = sftpg.rate(steps);
                if (twin != null) theirs[r] = twin.run();
                err.printf("  repeat %d: sftpg %.1f %s%s%n", r + 1, mine[r], unit,
                        twin == null ? "" : String.format(", twin %.1f, ratio %.2f", theirs[r], mine[r] / theirs[r]));
            }
            String loop = finetune ? "SFT-PG critic steps with their rollouts, one thread (SftPgLoop)" : "pretraining optimiser steps";
            out.printf("%s throughput (%s, batch %d), %d repeats of %d steps%s:%n", what, config.presetName(), batch,
                    repeats, steps, twin == null ? "" : ", alternating with the twin");
            out.printf("  sftpg: median %.1f %s (min %.1f, max %.1f); %s%n", median(mine), unit, min(mine), max(mine), loop);
            if (twin != null) {
                out.printf("  twin:  median %.1f %s (min %.1f, max %.1f); %s%n", median(theirs), unit, min(theirs), max(theirs), twin.description);
                double[] pair = new double[repeats];
                for (int r = 0; r < repeats; r++) pair[r] = mine[r] / theirs[r];
                out.printf("  sftpg/twin: %.2fx the ratio of the medians; %.2fx the median of the %d back-to-back pairs (%.2f-%.2f)%n",
                        median(mine) / median(theirs), median(pair), repeats, min(pair), max(pair));
            }
        } finally {
            if (twin != null) twin.close();
        }
        if (args.flag("profile")) {
            if (finetune) profileFinetune(config, data, policy, steps);
            else profilePretrain(config, data);
        }
        return Main.OK;
    }

    /**
     * {@code bench --unet}: the image UNet's training images/s (batch 64) and forward images/s (batch 256, one
     * sampler step per image) against {@code bench/unet_twin.py}, alternately, medians and ratios.
     */
    private int runUnet(Args args) throws IOException, InterruptedException {
        if (args.flag("finetune") || args.flag("profile") || args.get("config") != null || !args.sets().isEmpty())
            throw new UsageException("bench --unet takes --widths, --steps, --repeats, --threads, --no-twin, --python, --twin, --twin-spec");
        int[] widths;
        try {
            widths = Arrays.stream(args.get("widths") == null ? new String[]{"16", "32", "32"} : args.get("widths").split(","))
                    .map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("bench: --widths takes channel counts per level, e.g. --widths 16,32,32");
        }
        int steps = args.intOption("steps", 10, 1), forwards = Math.max(2, steps / 2);
        int repeats = args.intOption("repeats", 5, 1);
        int threads = args.intOption("threads", 1, 1);
        int trainBatch = 64, forwardBatch = 256;
        int granted = Nd4jRuntime.configureForImages(threads);
        if (granted < threads)
            err.printf("sftpg gets %d thread(s), not --threads %d: the process started with OMP_NUM_THREADS=%s (the launcher "
                    + "sets it from --threads unless the environment already does)%n", granted, threads, System.getenv("OMP_NUM_THREADS"));
        UNetSpec spec;
        try {
            spec = new UNetSpec(1, 28, 28, widths, 32);
        } catch (IllegalArgumentException e) {
            throw new UsageException("bench: " + e.getMessage());
        }
        UNetBench sftpg = new UNetBench(spec, trainBatch, forwardBatch, 1);
        if (args.get("twin-spec") != null) {
            Files.writeString(Path.of(args.get("twin-spec")), sftpg.twinSpec().encode());
            err.println("wrote the twin's spec to " + args.get("twin-spec"));
            return Main.OK;
        }
        Twin twin = args.flag("no-twin") ? null : Twin.start(args.get("python"), args.get("twin"), "unet_twin.py", sftpg.twinSpec(), err,
                "--steps", Integer.toString(steps), "--forwards", Integer.toString(forwards), "--threads", Integer.toString(threads),
                "--train-batch", Integer.toString(trainBatch), "--forward-batch", Integer.toString(forwardBatch));
        double[] mineTrain = new double[repeats], mineFwd = new double[repeats];
        double[] theirTrain = new double[twin == null ? 0 : repeats], theirFwd = new double[twin == null ? 0 : repeats];
        try {
            err.printf("bench unet %s, %,d parameters: %d training steps of %d and %d forwards of %d images x %d repeats after a warm-up%s; sftpg: %s%n",
                    spec, sftpg.parameters(), steps, trainBatch, forwards, forwardBatch, repeats,
                    twin == null ? "" : ", alternating with the twin (" + twin.description + ")", Nd4jRuntime.describe());
            sftpg.train(Math.max(1, steps / 4));
            sftpg.forward(Math.max(1, forwards / 4));
            for (int r = 0; r < repeats; r++) {
                mineTrain[r] = sftpg.train(steps);
                if (twin != null) theirTrain[r] = twin.run("train");
                mineFwd[r] = sftpg.forward(forwards);
                if (twin != null) theirFwd[r] = twin.run("forward");
                err.printf("  repeat %d: train sftpg %.1f%s images/s; forward sftpg %.1f%s images/s%n", r + 1, mineTrain[r],
                        twin == null ? "" : String.format(", twin %.1f", theirTrain[r]), mineFwd[r],
                        twin == null ? "" : String.format(", twin %.1f", theirFwd[r]));
            }
        } finally {
            if (twin != null) twin.close();
        }
        out.printf("unet throughput (%s, %,d parameters), %d repeats%s; sftpg: %s%n", spec, sftpg.parameters(), repeats,
                twin == null ? "" : ", alternating with the twin (" + twin.description + ")", Nd4jRuntime.describe());
        report("training (batch " + trainBatch + ", Adam)", mineTrain, theirTrain);
        report("forward (batch " + forwardBatch + ", no gradients)", mineFwd, theirFwd);
        return Main.OK;
    }

    private void report(String what, double[] mine, double[] theirs) {
        out.printf("  %s: sftpg median %.1f images/s (min %.1f, max %.1f)", what, median(mine), min(mine), max(mine));
        if (theirs.length == 0) {
            out.println();
            return;
        }
        double[] pair = new double[mine.length];
        for (int r = 0; r < mine.length; r++) pair[r] = mine[r] / theirs[r];
        out.printf("; twin median %.1f (min %.1f, max %.1f); sftpg/twin %.2fx the ratio of the medians, %.2fx the median of the %d pairs (%.2f-%.2f)%n",
                median(theirs), min(theirs), max(theirs), median(mine) / median(theirs), median(pair), mine.length, min(pair), max(pair));
    }

    /** What the twin needs to build the same networks and loops: the resolved config plus derived numbers. */
    private static JsonObject twinSpec(Config config, Diffusion diffusion, Samples data, Network policy) {
        JsonObject spec = new JsonObject().put("config", new JsonObject(config.toJson())).put("dim", data.dim());
        spec.put("alphaBar", new JsonArray(Arrays.stream(diffusion.schedule().alphaBars()).boxed().toList()));
        SamplerRecord rec = diffusion.policySampler();
        spec.put("sampler", new JsonObject()
                .put("tau", doubles(rec.tau())).put("a", doubles(rec.a())).put("b", doubles(rec.b())).put("s", doubles(rec.s())));
        SftPgSetup setup = new SftPgSetup(config, data.shape());
        spec.put("tailFrom", setup.policy(policy).tailFrom());
        spec.put("data", floats(data.values()));
        spec.put("policyWeights", floats(policy.parameters().toFloats()));
        return spec;
    }

    private static JsonArray doubles(double[] v) {
        return new JsonArray(Arrays.stream(v).boxed().toList());
    }

    private static JsonArray floats(float[] v) {
        JsonArray a = new JsonArray();
        for (float f : v) a.add(f);
        return a;
    }

    /** The PyTorch twin as a child process that runs one repeat per request, so its repeats interleave with ours. */
    private static final class Twin {
        /**
         * glibc malloc settings the twin starts with, so that it always runs in its fast mode. PyTorch allocates every
         * activation afresh; by default glibc serves blocks above a threshold that moves with the history of frees from
         * fresh {@code mmap}s (a page fault per page on first touch, about 550k faults per repeat of the 16/32/32 UNet's
         * loops) or from its heap, so one invocation ran at twice the speed of another. With mmap off and the heap never
         * trimmed, every block comes back from the heap (about 6k faults per repeat after the warm-up). The threshold is
         * fixed as well (its maximum, 32 MiB), which turns off its adjustment. Explicit environment settings win.
         */
        static final Map<String, String> TWIN_MALLOC = twinMalloc();

        private static Map<String, String> twinMalloc() {
            Map<String, String> env = new java.util.HashMap<>();
            for (String[] kv : new String[][]{{"MALLOC_MMAP_THRESHOLD_", "33554432"}, {"MALLOC_MMAP_MAX_", "0"},
                    {"MALLOC_TRIM_THRESHOLD_", "4294967296"}})
                if (System.getenv(kv[0]) == null) env.put(kv[0], kv[1]);
            return Map.copyOf(env);
        }

        final Process process;
        final BufferedReader from;
        final Writer to;
        final Path spec;
        String description;

        private Twin(Process process, String description, Path spec) {
            this.process = process;
            this.from = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.to = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.description = description;
            this.spec = spec;
        }

        /** Starts the twin, or says in one line why there is none and returns null. */
        static Twin start(String python, String script, String mode, int steps, int threads, JsonObject spec, PrintStream err)
                throws IOException, InterruptedException {
            return start(python, script, "twin.py", spec, err, "--mode", mode, "--steps", Integer.toString(steps),
                    "--threads", Integer.toString(threads));
        }

        /** Starts {@code script} (default bench/{@code defaultName}) with {@code --spec FILE}, the given arguments and {@code --serve}. */
        static Twin start(String python, String script, String defaultName, JsonObject spec, PrintStream err, String... arguments)
                throws IOException, InterruptedException {
            String py = python != null ? python : "/usr/bin/python3";
            Path file = script != null ? Path.of(script) : defaultScript(defaultName);
            if (file == null || !Files.isRegularFile(file)) {
                err.println("no PyTorch twin: bench/" + defaultName + " not found (give --twin FILE); sftpg's figures only, no ratio");
                return null;
            }
            if (!Files.isExecutable(Path.of(py)) || new ProcessBuilder(py, "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() != 0) {
                err.println("no PyTorch twin: " + py + " with torch is absent (Debian: apt-get install python3-torch); "
                        + "sftpg's figures only, no ratio");
                return null;
            }
            Path specFile = Files.createTempFile("sftpg-twin-", ".json");
            Files.writeString(specFile, spec.encode());
            java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(py, file.toString(), "--spec", specFile.toString()));
            command.addAll(Arrays.asList(arguments));
            command.add("--serve");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            builder.environment().putAll(TWIN_MALLOC);
            Process p = builder.start();
            Twin t = new Twin(p, null, specFile);
            String ready = t.from.readLine();
            if (ready == null || !ready.startsWith("ready ")) {
                t.close();
                throw new IllegalStateException("the PyTorch twin " + file + " did not start (said: " + ready + ")");
            }
            t.description = ready.substring(6);
            return t;
        }

        private static Path defaultScript(String name) {
            String home = System.getenv("SFTPG_HOME");
            Path here = Path.of("bench", name);
            if (home != null && Files.isRegularFile(Path.of(home, "bench", name))) return Path.of(home, "bench", name);
            return Files.isRegularFile(here) ? here : null;
        }

        double run() {
            return run("run");
        }

        /** One repeat of the twin's loop named {@code request}; its rate. */
        double run(String request) {
            try {
                to.write(request + "\n");
                to.flush();
                String line = from.readLine();
                if (line == null || !line.startsWith("rate ")) throw new IllegalStateException("the PyTorch twin stopped (said: " + line + ")");
                return Double.parseDouble(line.substring(5).trim());
            } catch (IOException e) {
                throw new IllegalStateException("the PyTorch twin failed: " + e.getMessage(), e);
            }
        }

        void close() {
            try {
                to.write("quit\n");
                to.flush();
                to.close();
            } catch (IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
                Files.deleteIfExists(spec);
            } catch (InterruptedException | IOException e) {
                process.destroyForcibly();
            }
        }
    }

    // ---- profile: time per phase and ND4J op calls per step --------------------------------------------------

    private static void countOps(boolean on) {
        if (on) {
            Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().stackTrace(false).build());
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
            OpProfiler.getInstance().reset();
        } else {
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
        }
    }

    /** ND4J op calls per step, counted over {@code iters} runs of {@code body} (one step each). */
    private String opCounts(int iters, Runnable body) {
        countOps(true);
        for (int i = 0; i < iters; i++) body.run();
        long calls = OpProfiler.getInstance().getInvocationsCount();
        String byOp = OpProfiler.getInstance().getOpCounter().asString();
        countOps(false);
        return String.format("%.1f ND4J op calls per step; by op over %d steps:%n%s", calls / (double) iters, iters, byOp);
    }

    /** One pretraining step split as the breakdown's phases (host batch making is the Pretrainer's rest). */
    private void profilePretrain(Config config, Samples data) {
        int batch = config.get(ConfigSchema.PRETRAIN_BATCH);
        Network net = new Diffusion(config).epsilonSpec(data.shape()).build(1);
        Optimizer opt = new Optimizer(net.parameters(), Optimizer.Kind.parse(config.get(ConfigSchema.PRETRAIN_OPTIMIZER)),
                config.get(ConfigSchema.PRETRAIN_LR), config.get(ConfigSchema.PRETRAIN_GRAD_CLIP));
        double emaDecay = config.get(ConfigSchema.PRETRAIN_EMA);
        dev.sftpg.nn.Ema ema = emaDecay > 0 ? new dev.sftpg.nn.Ema(net.parameters(), emaDecay) : null;
        // a realistic step: noised data in, the MSE gradient against a fixed noise draw out
        INDArray x = Nd4j.create(Arrays.copyOf(data.values(), batch * data.dim()), new long[]{batch, data.dim()}, DataType.FLOAT);
        INDArray eps = Nd4j.randn(DataType.FLOAT, batch, data.dim());
        x.muli(0.7).addi(eps.mul(0.7));
        INDArray grad = Nd4j.create(DataType.FLOAT, batch, data.dim());
        float[] tau = new float[batch];
        int bigT = config.get(ConfigSchema.DIFFUSION_STEPS);
        for (int i = 0; i < batch; i++) tau[i] = i % bigT;
        Runnable step = () -> {
            lossGradient(net.forward(x, tau), eps, grad);
            net.backward(grad);
            opt.step();
            if (ema != null) ema.update(net.parameters());
        };
        int iters = 1000;
        long[] ns = new long[4];
        for (int rep = 0; rep < 2; rep++) { // the first repetition warms up
            Arrays.fill(ns, 0);
            for (int i = 0; i < iters; i++) {
                long t0 = System.nanoTime();
                lossGradient(net.forward(x, tau), eps, grad);
                long t1 = System.nanoTime();
                net.backward(grad);
                long t2 = System.nanoTime();
                opt.step();
                long t3 = System.nanoTime();
                if (ema != null) ema.update(net.parameters());
                long t4 = System.nanoTime();
                ns[0] += t1 - t0;
                ns[1] += t2 - t1;
                ns[2] += t3 - t2;
                ns[3] += t4 - t3;
            }
        }
        out.printf("profile, one pretraining step (%,d parameters, batch %d; the Pretrainer adds host-side batch making):%n",
                net.parameters().size(), batch);
        out.printf("  forward + loss gradient %.0f us, backward %.0f us, norm + clip + %s + zero %.0f us, EMA %.0f us%n",
                ns[0] / 1e3 / iters, ns[1] / 1e3 / iters, config.get(ConfigSchema.PRETRAIN_OPTIMIZER), ns[2] / 1e3 / iters, ns[3] / 1e3 / iters);
        out.printf("  %s", opCounts(200, step));
        out.printf("  one small ND4J call (128 x 128 element-wise, in place): %.1f us median%n", probeOpOverhead());
    }

    /** The MSE gradient as the Pretrainer takes it: one fused loop with the Vector API, else two libnd4j ops. */
    private static void lossGradient(INDArray out, INDArray eps, INDArray grad) {
        if (dev.sftpg.nn.simd.Simd.AVAILABLE && !"false".equals(System.getProperty("sftpg.fusedMlp")))
            dev.sftpg.nn.simd.MlpKernels.squaredErrorGradient(out, eps, grad, (float) (2.0 / grad.length()));
        else out.sub(eps, grad).muli(2.0 / grad.length());
    }

    /** One fine-tuning critic step split into the calls SftPgLoop makes, each timed. */
    private void profileFinetune(Config config, Samples data, Network pretrained, int steps) {
        SftPgSetup setup = new SftPgSetup(config, data.shape());
        CriticLearner critic = setup.critic();
        ValueLearner value = setup.value();
        PolicyLearner policy = setup.policy(pretrained);
        EpochSampler real = setup.realBatches(data);
        int b = setup.batch(), s = setup.sampler().steps(), dim = data.dim();
        String[] names = {"rollout (S policy forwards + noise)", "critic score of the finals", "value step (S x B states)",
                "critic step (B real + B generated)", "policy update (every nCritic-th batch), per batch"};
        long[] ns = new long[5];
        long[] batches = {0};
        Runnable step = () -> {
            long t0 = System.nanoTime();
            float[] states = Rollout.generate(policy.network(), setup.sampler(), b, Rollout.seedFor(setup.seed(), 0, batches[0]));
            float[] fin = Arrays.copyOfRange(states, s * b * dim, (s + 1) * b * dim);
            policy.add(states, b);
            long t1 = System.nanoTime();
            float[] f = critic.score(fin, b);
            long t2 = System.nanoTime();
            ValueLearner.Coupling c = value.step(states, s, b, f, setup.lambda());
            long t3 = System.nanoTime();
            critic.step(real.nextBatch(b), b, fin, b, c.criticGradient());
            long t4 = System.nanoTime();
            batches[0]++;
            if (batches[0] % setup.nCritic() == 0) policy.update((p, n, st) -> critic.score(p, n), value::predict);
            long t5 = System.nanoTime();
            ns[0] += t1 - t0;
            ns[1] += t2 - t1;
            ns[2] += t3 - t2;
            ns[3] += t4 - t3;
            ns[4] += t5 - t4;
        };
        // whole policy-update cycles: at least two, about --steps critic steps
        int iters = Math.max(2, Math.round(steps / (float) setup.nCritic())) * setup.nCritic();
        for (int i = 0; i < Math.min(iters, 4 * setup.nCritic()); i++) step.run(); // warm-up
        Arrays.fill(ns, 0);
        for (int i = 0; i < iters; i++) step.run();
        long total = Arrays.stream(ns).sum();
        out.printf("profile, one fine-tuning critic step (B %d, S %d, tail baseline from step %d), over %d steps:%n", b, s, policy.tailFrom(), iters);
        for (int i = 0; i < names.length; i++)
            out.printf("  %-52s %7.0f us  %4.1f%%%n", names[i], ns[i] / 1e3 / iters, 100.0 * ns[i] / total);
        out.printf("  %-52s %7.0f us  = %.1f critic steps/s%n", "total", total / 1e3 / iters, iters / (total / 1e9));
        if (data.shape().isImage()) return; // the op census is for the 2-D loop's many tiny calls
        out.printf("  %s", opCounts(5 * setup.nCritic(), step));
        out.printf("  one small ND4J call (128 x 128 element-wise, in place): %.1f us median%n", probeOpOverhead());
    }

    /** Median cost of one small in-place ND4J op (JNI and dispatch dominate at this size). */
    private static double probeOpOverhead() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 128, 128), b = Nd4j.rand(DataType.FLOAT, 128, 128);
        double[] t = new double[7];
        for (int r = 0; r < t.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) a.addi(b).subi(b);
            t[r] = (System.nanoTime() - t0) / 1e3 / 4000;
        }
        return median(t);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
