package dev.sftpg.docs;

import dev.sftpg.config.ConfigKey;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.config.ConfigSchema;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README promises: every config key documented with its current default, every preset listed, the two commands. */
class ReadmeTest {
    private static String readme() throws Exception {
        return Files.readString(Path.of("..", "README.md"));
    }

    @Test
    void documentsEveryConfigKeyWithItsDefault() throws Exception {
        String text = readme();
        for (ConfigKey<?> k : ConfigSchema.keys())
            assertTrue(text.contains("| `" + k.name() + "` | " + k.type().getSimpleName().toLowerCase() + " | `" + k.defaultValue() + "` |"),
                    "README lacks key " + k.name() + " (regenerate the table with `./sftpg config --keys`)");
    }

    @Test
    void listsEveryBuiltInPresetAndTheTwoCommands() throws Exception {
        String text = readme();
        for (String p : ConfigLoader.builtInPresets()) {
            assertTrue(text.contains("`" + p + "`"), "README lacks preset " + p);
            assertTrue(Files.isRegularFile(Path.of("..", "config", p + ".json")), "missing config/" + p + ".json");
        }
        assertTrue(text.contains("\n    ./sftpg run\n"), "the main command");
        assertTrue(text.contains("    mvn -B test"));
        assertTrue(Files.readString(Path.of("..", ".ci", "run")).contains("\nmvn -B test\n"), ".ci/run must run the README's test command");
    }
}
