package dev.sftpg.cli;

import dev.sftpg.data.Samples;
import dev.sftpg.io.SamplesCsv;
import dev.sftpg.io.Npy;
import dev.sftpg.task.Task;
import dev.sftpg.nn.Nd4jRuntime;
import dev.sftpg.sampler.Sampler;
import dev.sftpg.finetune.LoadedModels;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** {@code sftpg sample}: write samples of one sampler as CSV or as a PNG scatter plot over the data. */
final class SampleCommand {
    private final PrintStream out, err;

    SampleCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws Exception {
        Args args = Args.parse("sample", argv, 1, Set.of("checkpoint", "sampler", "n", "out", "seed"), Set.of());
        Path dir = Path.of(args.require("checkpoint", "runs/swissroll/pretrained"));
        String samplerName = args.require("sampler", "fastdpm-10");
        Path file = Path.of(args.require("out", "samples.png"));
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!lower.endsWith(".csv") && !lower.endsWith(".png") && !lower.endsWith(".npy"))
            throw new UsageException("sample: --out must end in .csv, .npy or .png, got " + file);
        if (Files.isDirectory(file))
            throw new UsageException("sample: --out " + file + " is a directory; give a file name such as "
                    + file.resolve("samples" + lower.substring(lower.length() - 4)));
        for (Path p = file.toAbsolutePath().getParent(); p != null && !Files.isDirectory(p); p = p.getParent())
            if (Files.exists(p))
                throw new UsageException("sample: --out " + file + " cannot be created because " + p
                        + " is a file, not a directory; choose another --out");
        int n = args.intOption("n", 10_000, 1);
        int seed = args.intOption("seed", 0, 0);
        Nd4jRuntime.configure();
        LoadedModels model = LoadedModels.load(dir);
        Nd4jRuntime.configureFor(model.shape().isImage());
        Sampler sampler = model.sampler(samplerName);
        int batch = Math.min(n, model.config().get(dev.sftpg.config.ConfigSchema.EVAL_BATCH));
        Samples samples = new Samples(n, model.shape(), sampler.sampleFinal(model.network(samplerName), n, batch, seed));
        if (model.shape().isImage()) samples = model.diffusion().task().data().clipToRange(samples); // points never read the data here
        if (lower.endsWith(".csv")) {
            SamplesCsv.write(file, samples);
        } else if (lower.endsWith(".npy")) {
            Npy.write(file, samples);
        } else {
            if (!model.shape().isImage() && model.dim() < 2) throw new UsageException("sample: a PNG needs 2-D data; use --out file.csv");
            Task task = model.diffusion().task(); // the data drawn with the samples
            Samples data = task.data().evaluationSample(task.isImage() ? 64 : Math.max(n, 5000), 12345);
            task.renderer().writePng(file, samples, data, samplerName + " (" + sampler.nfe() + " NFE)", 800);
        }
        out.printf("wrote %,d samples of %s to %s%n", n, samplerName, file);
        return Main.OK;
    }
}
