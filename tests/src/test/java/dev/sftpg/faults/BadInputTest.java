package dev.sftpg.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every kind of bad input a user can hand the command line, one row each: the command must exit 2, say on stderr
 * what is wrong, where (key, file, line) and how to fix it, print no stack trace, and leave nothing behind: neither
 * the output it was asked for nor a temporary beside it, and nothing on stdout.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BadInputTest {
    /** A model small enough to pretrain in seconds (as in CommandLineTest). */
    private static final List<String> TINY = List.of("--set", "pretrain.steps=300", "--set", "data.size=600",
            "--set", "model.hidden=24", "--set", "model.layers=2", "--set", "diffusion.steps=200", "--set", "pretrain.logEvery=100");
    /** A stack trace line, or an exception class name as Throwable.toString() prints it. */
    private static final Pattern STACK_TRACE = Pattern.compile("\tat |\\b[A-Za-z_$][\\w$]*(Exception|Error)(: |$)|\\.\\.\\. \\d+ more",
            Pattern.MULTILINE);

    @TempDir
    static Path dir;
    /** Bad inputs live here; outputs go to a fresh folder per case under {@code out/}. */
    static Path inputs, good;

    /**
     * One bad input: what the command line is, the exit code it must end with, the output it must not create
     * (null when it writes none), and phrases the error must contain: what is wrong, where, and the fix
     * ("a|b": either).
     */
    record Case(String description, List<String> args, int exit, Path output, List<String> says) {
        @Override
        public String toString() {
            return description;
        }
    }

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void pretrainATinyModelAndDamageCopies() throws Exception {
        inputs = Files.createDirectories(dir.resolve("inputs"));
        good = dir.resolve("good");
        List<String> args = new ArrayList<>(List.of("pretrain"));
        args.addAll(TINY);
        args.addAll(List.of("--out", good.toString()));
        Run r = run(args);
        assertEquals(0, r.code(), r.err());

        byte[] weights = Files.readAllBytes(good.resolve("model.sftpg"));
        copyWithWeights("truncated", Arrays.copyOf(weights, weights.length / 2));
        byte[] magic = weights.clone();
        System.arraycopy("NOTSFTPG".getBytes(StandardCharsets.US_ASCII), 0, magic, 0, 8);
        copyWithWeights("bad-magic", magic);
        byte[] flipped = weights.clone();
        flipped[flipped.length - 100] ^= 0x55; // inside the last tensor's floats: only the checksum can tell
        copyWithWeights("flipped", flipped);

        // the weights of a hidden=24 net under a config.json that describes hidden=32
        Path shapes = copyWithWeights("wrong-shapes", weights);
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(shapes.resolve("config.json").toFile());
        ((ObjectNode) cfg.get("model")).put("hidden", 32);
        Files.writeString(shapes.resolve("config.json"), json.writeValueAsString(cfg));

        Files.createDirectories(inputs.resolve("empty-dir"));
        Files.createDirectories(inputs.resolve("no-fashion-mnist"));
        Files.delete(copyWithWeights("no-weights", weights).resolve("model.sftpg"));

        Path notJson = copyWithWeights("config-not-json", weights);
        Files.writeString(notJson.resolve("config.json"), "{ \"model\": { \"hidden\": 24 ");

        Files.writeString(inputs.resolve("broken.json"), "{ \"pretrain\": { \"steps\": 5, }\n");
        Files.writeString(inputs.resolve("nested-typo.json"), "{\n  \"pretrain\": { \"stpes\": 5 }\n}\n");
        Files.writeString(inputs.resolve("letters.csv"), "x,y\n0.1,0.2\n0.3,abc\n");
        Files.writeString(inputs.resolve("ragged.csv"), "x,y\n0.1,0.2\n0.3,0.4,0.5\n");
        Files.writeString(inputs.resolve("empty.csv"), "");
        Files.writeString(inputs.resolve("nan.csv"), "x,y\n0.1,0.2\nNaN,0.4\n");
        Files.writeString(inputs.resolve("inf.csv"), "0.1,0.2\n0.3,0.4\n0.5,-Infinity\n");
        StringBuilder rows = new StringBuilder("x,y\n");
        for (int i = 0; i < 60; i++) rows.append(i * 0.01).append(',').append(i * -0.02).append('\n');
        Files.writeString(inputs.resolve("small.csv"), rows.toString());

        // the 2-D weights under a config.json whose data source is images
        Path images = copyWithWeights("wrong-task", weights);
        ObjectNode task = (ObjectNode) json.readTree(images.resolve("config.json").toFile());
        ((ObjectNode) task.get("data")).put("source", "bars");
        Files.writeString(images.resolve("config.json"), json.writeValueAsString(task));
    }

    private static Path copyWithWeights(String name, byte[] weights) throws IOException {
        Path copy = Files.createDirectories(inputs.resolve(name));
        Files.copy(good.resolve("config.json"), copy.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.write(copy.resolve("model.sftpg"), weights);
        return copy;
    }

    static Stream<Case> badInputs() {
        Path ckpt = inputs;
        return Stream.of(
                // ---- configuration
                pretrain("unknown config key", List.of("unknown config key 'pretrain.stpes'", "(--set)",
                        "did you mean 'pretrain.steps'"), "--set", "pretrain.stpes=5"),
                pretrain("ill-typed value", List.of("'pretrain.steps'", "(--set)", "'abc' is not an integer", "e.g. pretrain.steps="),
                        "--set", "pretrain.steps=abc"),
                pretrain("pretrain batch size 0", List.of("'pretrain.batchSize'", "(--set)", "out of range", ">= 1",
                        "e.g. pretrain.batchSize="), "--set", "pretrain.batchSize=0"),
                pretrain("finetune batch size -1", List.of("'finetune.batchSize'", "(--set)", "out of range", ">= 1"),
                        "--set", "finetune.batchSize=-1"),
                pretrain("pretrain steps 0", List.of("'pretrain.steps'", "(--set)", "out of range", ">= 1"),
                        "--set", "pretrain.steps=0"),
                pretrain("pretrain lr 0", List.of("'pretrain.lr'", "(--set)", "out of range", "> 0", "e.g. pretrain.lr="),
                        "--set", "pretrain.lr=0"),
                pretrain("finetune lr negative", List.of("'finetune.lr'", "(--set)", "out of range", "> 0"),
                        "--set", "finetune.lr=-1e-4"),
                pretrain("finetune gradClip negative", List.of("'finetune.gradClip'", "(--set)", "out of range", ">= 0"),
                        "--set", "finetune.gradClip=-0.1"),
                pretrain("several problems at once", List.of("'pretrain.lr'", "'pretrain.batchSize'"),
                        "--set", "pretrain.lr=0", "--set", "pretrain.batchSize=0"),
                pretrain("--set without key=value", List.of("--set 'pretrain.steps'", "key=value"),
                        "--set", "pretrain.steps"),
                pretrain("unknown preset name", List.of("no preset named 'swissrol'", "did you mean 'swissroll'",
                        "swissroll, swissroll-reference, moons"), "--config", "swissrol"),
                pretrain("missing config file", List.of("nowhere.json", "does not exist", "swissroll"),
                        "--config", inputs.resolve("nowhere.json").toString()),
                pretrain("config file not JSON", List.of("broken.json", "not valid JSON", "line 1", "column"),
                        "--config", inputs.resolve("broken.json").toString()),
                pretrain("config file with unknown nested key", List.of("unknown config key 'pretrain.stpes'",
                        "nested-typo.json", "did you mean 'pretrain.steps'"), "--config", inputs.resolve("nested-typo.json").toString()),

                // ---- checkpoints
                eval("missing checkpoint directory", ckpt.resolve("nowhere"), List.of("nowhere", "no such checkpoint directory",
                        "sftpg pretrain --out")),
                sample("missing checkpoint directory", ckpt.resolve("nowhere"), List.of("nowhere", "no such checkpoint directory",
                        "sftpg pretrain --out")),
                eval("truncated weights", ckpt.resolve("truncated"), List.of("truncated" + java.io.File.separator + "model.sftpg",
                        "truncated", "re-run pretrain")),
                sample("truncated weights", ckpt.resolve("truncated"), List.of("model.sftpg", "truncated", "re-run pretrain")),
                eval("wrong magic", ckpt.resolve("bad-magic"), List.of("model.sftpg", "bad magic", "point --checkpoint at")),
                sample("wrong magic", ckpt.resolve("bad-magic"), List.of("model.sftpg", "bad magic", "point --checkpoint at")),
                eval("flipped byte", ckpt.resolve("flipped"), List.of("model.sftpg", "checksum mismatch", "re-run pretrain")),
                sample("flipped byte", ckpt.resolve("flipped"), List.of("model.sftpg", "checksum mismatch", "re-run pretrain")),
                eval("config.json disagrees with the weights' shapes", ckpt.resolve("wrong-shapes"), List.of("model.sftpg",
                        "config.json", "wrong shapes", "model.hidden=32", "re-run pretrain")),
                sample("config.json disagrees with the weights' shapes", ckpt.resolve("wrong-shapes"), List.of("model.sftpg",
                        "config.json", "wrong shapes", "re-run pretrain")),
                eval("empty directory", ckpt.resolve("empty-dir"), List.of("empty-dir", "missing config.json",
                        "point --checkpoint at")),
                sample("directory without model.sftpg", ckpt.resolve("no-weights"), List.of("no-weights"
                        + java.io.File.separator + "model.sftpg", "does not exist", "run pretrain first")),
                eval("--checkpoint names the weights file", good.resolve("model.sftpg"), List.of("model.sftpg",
                        "is a file, not a checkpoint directory", "point --checkpoint at the directory")),
                eval("checkpoint config.json not JSON", ckpt.resolve("config-not-json"), List.of("config-not-json"
                        + java.io.File.separator + "config.json", "not valid JSON", "line", "re-run pretrain")),
                sample("checkpoint config.json not JSON", ckpt.resolve("config-not-json"), List.of("config.json",
                        "not valid JSON", "re-run pretrain")),

                // ---- data files
                csv("non-numeric cell", "letters.csv", List.of("letters.csv", "line 3", "non-numeric field \"abc\" in column 2",
                        "fix the file")),
                csv("row with the wrong number of columns", "ragged.csv", List.of("ragged.csv", "line 3",
                        "wrong number of columns: expected 2, got 3", "fix the file")),
                csv("empty data file", "empty.csv", List.of("empty.csv", "the file is empty", "data.path")),
                csv("missing data file", "absent.csv", List.of("absent.csv", "file not found", "data.path")),
                csv("NaN value", "nan.csv", List.of("nan.csv", "line 3", "non-finite value NaN in column 1", "fix the file")),
                csv("infinite value", "inf.csv", List.of("inf.csv", "line 3", "non-finite value -Infinity in column 2",
                        "fix the file")),
                pretrain("csv source without a path", List.of("'data.path'", "data.source=csv", "--set data.path="),
                        "--set", "data.source=csv"),
                csv("too few rows to hold out an evaluation set", "small.csv", List.of("small.csv has 60 rows",
                        "6 to evaluate with", "at least 50", "data.evalPath")),
                pretrain("an evaluation file that repeats the training rows", List.of("data.evalPath", "small.csv",
                        "repeats 60 of its 60 rows", "leave data.evalPath empty"), "--set", "data.source=csv",
                        "--set", "data.path=" + inputs.resolve("small.csv"), "--set", "data.evalPath=" + inputs.resolve("small.csv")),
                runIn("run: a data file too small to evaluate is refused before pretraining", List.of("small.csv has 60 rows",
                        "data.evalFraction"), "--set", "data.source=csv", "--set", "data.path=" + inputs.resolve("small.csv")),
                pretrain("fashion-mnist from a folder without its files", List.of("no-fashion-mnist" + java.io.File.separator
                        + "train-images-idx3-ubyte.gz", "not found", "apt-get install dataset-fashion-mnist",
                        "set data.path to a folder holding train-images-idx3-ubyte.gz"), "--set", "data.source=fashion-mnist",
                        "--set", "data.path=" + inputs.resolve("no-fashion-mnist")),
                pretrain("fashion-mnist class out of range", List.of("'data.classes'", "names class 10", "classes are 0..9",
                        "e.g. 0,7,9"), "--set", "data.source=fashion-mnist", "--set", "data.classes=0,10"),
                runIn("run: fashion-mnist without the fid metric's classifier", List.of("no feature classifier directory|apt-get install "
                        + "dataset-fashion-mnist", "sftpg classifier --out|data.path"), "--set", "data.source=fashion-mnist",
                        "--set", "eval.fidClassifier=" + inputs.resolve("no-classifier")),
                classifier("epochs 0", List.of("--epochs must be an integer >= 1", "'0'"), "--epochs", "0"),
                classifier("unknown option", List.of("unknown option --epoch", "did you mean --epochs"), "--epoch", "3"),
                classifier("a subset of the classes", List.of("all ten classes", "leave data.classes empty"),
                        "--set", "data.source=fashion-mnist", "--set", "data.classes=0,7"),
                classifier("without the data", List.of("no-fashion-mnist", "not found", "apt-get install dataset-fashion-mnist"),
                        "--set", "data.path=" + inputs.resolve("no-fashion-mnist")),
                classifier("learning rate 0", List.of("'classifier.lr'", "out of range", "> 0"), "--set", "classifier.lr=0"),
                eval("a checkpoint of another task's shape", ckpt.resolve("wrong-task"), List.of("model.sftpg",
                        "samples of shape [2]", "task of shape [1, 8, 8]", "data.source=bars", "pretrain a model for this task")),

                // ---- cluster
                new Case("worker: no run in the cluster", List.of("worker", "--role", "rollout", "--cluster-name",
                        "sftpg-no-such-run", "--join-timeout", "3", "--port", "5901"), 2, null,
                        List.of("sftpg-no-such-run", "found no run", "start `sftpg run` first", "--cluster-name")),

                // ---- command line
                new Case("run: --force without --resume", List.of("run", "--force"), 2, null,
                        List.of("--force only applies with --resume RUN_DIR")),
                new Case("run: resume a folder that does not exist", List.of("run", "--resume", inputs.resolve("no-run").toString()), 2,
                        null, List.of("no-run", "no such run folder", "the folder `sftpg run` printed")),
                new Case("run: resume a folder without checkpoints", List.of("run", "--resume", good.toString()), 2, null,
                        List.of("no intact checkpoint in " + good.resolve("checkpoints"), "nothing to resume from", "start a new run")),
                new Case("unknown command", List.of("frobnicate"), 2, null, List.of("unknown command 'frobnicate'", "sftpg help")),
                new Case("misspelt command", List.of("pretrian"), 2, null, List.of("unknown command 'pretrian'",
                        "did you mean 'pretrain'")),
                pretrain("unknown option", List.of("unknown option --bogus", "--config", "--out", "--set"), "--bogus"),
                pretrain("option without its value", List.of("--config needs a value", "--out follows it"), "--config"),
                new Case("option without its value at the end", List.of("eval", "--checkpoint"), 2, null,
                        List.of("--checkpoint needs a value")),
                new Case("eval without --checkpoint", List.of("eval"), 2, null, List.of("eval needs --checkpoint", "e.g.")),
                sampleArgs("sample without --sampler", List.of("sample needs --sampler", "e.g. --sampler fastdpm-10"),
                        "--checkpoint", good.toString()),
                sampleArgs("sample --n not a number", List.of("--n", "integer", "'many'"),
                        "--checkpoint", good.toString(), "--sampler", "fastdpm-10", "--n", "many"),
                sampleArgs("sample with an unknown sampler", List.of("euler-4"),
                        "--checkpoint", good.toString(), "--sampler", "euler-4"));
    }

    /** An --out that exists but is not the tool's to replace is refused before any work, and left exactly as it was. */
    @org.junit.jupiter.api.Test
    void outputsThatExistAndAreNotOursAreLeftAlone() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("mine").resolve("notes"));
        Path note = Files.writeString(folder.resolve("note.txt"), "keep me");
        Path file = Files.writeString(dir.resolve("mine").resolve("plain.txt"), "keep me too");
        Path csvDir = Files.createDirectories(dir.resolve("mine").resolve("taken.csv"));

        List<String> args = new ArrayList<>(List.of("pretrain"));
        args.addAll(TINY);
        args.addAll(List.of("--out", folder.toString()));
        assertRefusedClearly("pretrain --out a folder of other files", run(args), 2,
                List.of(folder.toString(), "holds other files, not a checkpoint", "give a new directory"));
        args.set(args.size() - 1, file.toString());
        assertRefusedClearly("pretrain --out a file", run(args), 2, List.of(file.toString(), "is a file", "give a directory"));
        args.set(args.size() - 1, file.resolve("model").toString());
        assertRefusedClearly("pretrain --out below a file", run(args), 2,
                List.of(file + " is a file, not a directory", "choose another --out"));
        assertRefusedClearly("sample --out a folder", run(List.of("sample", "--checkpoint", good.toString(), "--sampler",
                "fastdpm-10", "--n", "50", "--out", csvDir.toString())), 2, List.of(csvDir.toString(), "is a directory",
                "give a file name such as"));
        assertRefusedClearly("sample --out below a file", run(List.of("sample", "--checkpoint", good.toString(), "--sampler",
                "fastdpm-10", "--n", "50", "--out", file.resolve("s.csv").toString())), 2, List.of("is a file, not a directory"));

        assertRefusedClearly("classifier --out a folder of other files", run(List.of("classifier", "--out", folder.toString())), 2,
                List.of(folder.toString(), "holds other files, not a feature classifier", "give a new directory"));
        assertRefusedClearly("classifier --out a file", run(List.of("classifier", "--out", file.toString())), 2,
                List.of(file.toString(), "is a file", "give a directory"));

        assertEquals("keep me", Files.readString(note));
        assertEquals("keep me too", Files.readString(file));
        assertTrue(Files.isDirectory(csvDir));
        try (Stream<Path> s = Files.list(csvDir)) {
            assertEquals(0, s.count());
        }
        try (Stream<Path> s = Files.list(dir.resolve("mine"))) {
            assertEquals(3, s.count(), "no temporaries beside them");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void isRefusedClearlyAndLeavesNothingBehind(Case c) throws IOException {
        Path parent = c.output() == null ? null : Files.createDirectories(c.output().getParent());
        long t0 = System.nanoTime();
        Run r = run(c.args());
        double seconds = (System.nanoTime() - t0) / 1e9;
        String firstLine = r.err().lines().filter(l -> l.startsWith("error")).findFirst()
                .orElse(r.err().lines().findFirst().orElse(""));
        System.out.printf("[bad input] %s | exit %d | %.1f s | %s%n", c.description(), r.code(), seconds, firstLine);
        assertTrue(seconds < 60, () -> c + ": a refusal should come quickly, took " + seconds + " s");

        assertRefusedClearly(c.description(), r, c.exit(), c.says());
        if (c.output() != null) {
            assertFalse(Files.exists(c.output()), () -> c + ": " + c.output() + " must not exist");
            try (Stream<Path> left = Files.list(parent)) {
                List<Path> leftovers = left.toList();
                assertEquals(List.of(), leftovers, () -> c + ": no temporaries beside the output");
            }
        }
    }

    /** (a) the exit code, (b) the phrases, (c) no stack trace, and nothing on stdout. */
    private static void assertRefusedClearly(String what, Run r, int exit, List<String> says) {
        assertEquals(exit, r.code(), () -> what + ": exit code; stderr:\n" + r.err());
        for (String phrase : says)
            assertTrue(Arrays.stream(phrase.split("\\|")).anyMatch(r.err()::contains),
                    () -> what + ": stderr should say \"" + phrase + "\":\n" + r.err());
        assertFalse(STACK_TRACE.matcher(r.err()).find(), () -> what + ": no stack trace or exception class on stderr:\n" + r.err());
        assertEquals("", r.out(), () -> what + ": nothing on stdout");
    }

    // ---- the table's row builders

    private static int outputs;

    private static Path freshOutput(String name) {
        return dir.resolve("out").resolve(Integer.toString(++outputs)).resolve(name);
    }

    private static Case pretrain(String description, List<String> says, String... extra) {
        Path out = freshOutput("model");
        List<String> args = new ArrayList<>(List.of("pretrain"));
        args.addAll(TINY);
        args.addAll(List.of(extra));
        args.addAll(List.of("--out", out.toString()));
        return new Case("pretrain: " + description, args, 2, out, says);
    }

    private static Case classifier(String description, List<String> says, String... extra) {
        Path out = freshOutput("classifier");
        List<String> args = new ArrayList<>(List.of("classifier", "--out", out.toString()));
        args.addAll(List.of(extra));
        return new Case("classifier: " + description, args, 2, out, says);
    }

    private static Case csv(String description, String file, List<String> says) {
        return pretrain(description, says, "--set", "data.source=csv", "--set", "data.path=" + inputs.resolve(file));
    }

    /** `run` into a fresh folder, which must not be created; pretrained models would land in runs/, so none is. */
    private static Case runIn(String description, List<String> says, String... extra) {
        Path out = freshOutput("run");
        List<String> args = new ArrayList<>(List.of("run", "--no-dashboard", "--run-dir", out.toString(), "--set",
                "finetune.pretrained=" + out.resolveSibling("never-pretrained")));
        args.addAll(List.of(extra));
        return new Case(description, args, 2, out, says);
    }

    private static Case eval(String description, Path checkpoint, List<String> says) {
        return new Case("eval: " + description, List.of("eval", "--checkpoint", checkpoint.toString(), "--samplers", "fastdpm-10",
                "--n", "50", "--seeds", "1"), 2, null, says);
    }

    private static Case sample(String description, Path checkpoint, List<String> says) {
        return sampleArgs(description, says, "--checkpoint", checkpoint.toString(), "--sampler", "fastdpm-10", "--n", "50");
    }

    private static Case sampleArgs(String description, List<String> says, String... args) {
        Path out = freshOutput("samples.csv");
        List<String> all = new ArrayList<>(List.of("sample"));
        all.addAll(List.of(args));
        all.addAll(List.of("--out", out.toString()));
        return new Case("sample: " + description, all, 2, out, says);
    }

    /**
     * Runs the command in-process. Whatever the libraries print on the JVM's own streams meanwhile (Vert.x,
     * Hazelcast, the run log) counts as the command's output too, so System.out and System.err are captured.
     */
    static Run run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8), e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream sysOut = System.out, sysErr = System.err;
        System.setOut(new PrintStream(tee(sysOut, out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(sysErr, err), true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args.toArray(String[]::new), o, e);
        } finally {
            System.setOut(sysOut);
            System.setErr(sysErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static OutputStream tee(OutputStream a, OutputStream b) {
        return new OutputStream() {
            @Override
            public synchronized void write(int x) throws IOException {
                a.write(x);
                b.write(x);
            }

            @Override
            public synchronized void write(byte[] buf, int off, int len) throws IOException {
                a.write(buf, off, len);
                b.write(buf, off, len);
            }
        };
    }
}
