package dev.sftpg.cli;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigKey;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;

import java.io.PrintStream;
import java.util.Set;

/** {@code sftpg config}: print the resolved configuration, or document every key (--keys, Markdown). */
final class ConfigCommand {
    private final PrintStream out, err;

    ConfigCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) {
        Args args = Args.parse("config", argv, 1, Set.of("config"), Set.of("keys"));
        if (args.flag("keys")) {
            out.println("| key | type | default | allowed | meaning |");
            out.println("|---|---|---|---|---|");
            for (ConfigKey<?> k : ConfigSchema.keys())
                out.printf("| `%s` | %s | `%s` | %s | %s |%n", k.name(), k.type().getSimpleName().toLowerCase(),
                        k.defaultValue(), k.choices().isEmpty() ? k.range() : String.join(", ", k.choices()), k.description());
            return Main.OK;
        }
        Config config = ConfigLoader.load(args.get("config"), args.sets(), System.getenv());
        out.print(config.toJson());
        return Main.OK;
    }
}
