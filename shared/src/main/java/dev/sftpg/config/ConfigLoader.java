package dev.sftpg.config;

import dev.sftpg.data.FashionMnist;
import dev.sftpg.util.Typos;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a {@link Config} from, in increasing precedence: schema defaults, a preset (JSON file or built-in
 * name), environment variables {@code SFTPG_<KEY>} (dots become underscores, upper case), and
 * {@code --set key=value}. Every problem is collected and reported at once, before any work starts.
 */
public final class ConfigLoader {
    /** Environment variables that configure the launcher itself, not a run. */
    public static final List<String> LAUNCHER_VARIABLES = List.of("SFTPG_JAVA_OPTS", "SFTPG_REBUILD", "SFTPG_JAR", "SFTPG_HOME", "SFTPG_DEBUG");
    private static final String ENV_PREFIX = "SFTPG_";

    private ConfigLoader() {
    }

    /**
     * @param preset a path to a JSON file, or the name of a built-in preset ("swissroll"); null for the default
     * @param sets   "key=value" overrides
     * @param env    the environment (System.getenv() in production)
     */
    public static Config load(String preset, List<String> sets, Map<String, String> env) {
        String name = preset == null ? "swissroll" : preset;
        JsonNode root = readPreset(name);
        // a saved configuration remembers the preset it came from
        String label = root.path("preset").isTextual() ? root.get("preset").asText() : presetLabel(name);
        return resolve(root, label, "preset " + name, sets, env);
    }

    /** A configuration sent as text (e.g. by the run's coordinator to a joining worker); no overrides. */
    public static Config fromJsonText(String json, String origin) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException(origin + " is not valid JSON: " + jsonProblem(e));
        }
        if (root == null || !root.isObject()) throw new ConfigException(origin + " must hold a JSON object");
        return resolve(root, root.path("preset").asText("run"), origin, List.of(), Map.of());
    }

    private static Config resolve(JsonNode root, String label, String origin, List<String> sets, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey<?> k : ConfigSchema.keys()) values.put(k.name(), k.defaultValue());

        flatten(root, "", (key, node) -> {
            if (key.equals("preset") || key.equals("description")) return;
            Object raw = node.isNumber() ? node.numberValue() : node.isBoolean() ? (Object) node.booleanValue()
                    : node.isTextual() ? node.textValue() : node.toString();
            apply(values, key, raw, origin, problems);
        });

        for (Map.Entry<String, String> e : env.entrySet()) {
            String var = e.getKey();
            if (!var.startsWith(ENV_PREFIX) || LAUNCHER_VARIABLES.contains(var)) continue;
            String key = keyForEnv(var);
            if (key == null) {
                problems.add("environment variable " + var + " names no config key (variables look like SFTPG_PRETRAIN_STEPS "
                        + "for pretrain.steps; unset it or run `sftpg config` for the list)");
                continue;
            }
            apply(values, key, e.getValue(), "environment " + var, problems);
        }

        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                problems.add("--set '" + s + "' is not key=value (example: --set pretrain.steps=5000)");
                continue;
            }
            apply(values, s.substring(0, eq).trim(), s.substring(eq + 1), "--set", problems);
        }

        if (values.get("finetune.lrSchedule").equals("cosine") && (Integer) values.get("finetune.lrDecaySteps") == 0
                && (Integer) values.get("train.maxGeneratorSteps") == 0)
            problems.add("config key 'finetune.lrDecaySteps': a cosine schedule needs a horizon; set it, or train.maxGeneratorSteps");
        if ((Double) values.get("finetune.importanceClip") > 0 && (Integer) values.get("finetune.maxPolicyLag") == 0)
            problems.add("config key 'finetune.importanceClip': with finetune.maxPolicyLag=0 every batch that trains the policy is "
                    + "the current policy's, so there is nothing to correct; set finetune.maxPolicyLag (e.g. 1) or leave the clip at 0");
        double collapse = (Double) values.get("train.collapseFactor");
        if (collapse > 0 && collapse <= 1)
            problems.add("config key 'train.collapseFactor': " + collapse + " would roll back at evaluations no worse than the best; "
                    + "use a factor above 1 (2 rolls back at twice the best score) or 0 to turn the guard off");
        if (values.get("data.source").equals("csv") && ((String) values.get("data.path")).isEmpty())
            problems.add("config key 'data.path': data.source=csv needs a file (--set data.path=points.csv)");
        String classes = (String) values.get("data.classes");
        if (!classes.isEmpty() && !values.get("data.source").equals("fashion-mnist"))
            problems.add("config key 'data.classes': only data.source=fashion-mnist has classes, not " + values.get("data.source")
                    + "; leave data.classes empty or set data.source=fashion-mnist");
        else
            try {
                FashionMnist.parseClasses(classes);
            } catch (IllegalArgumentException e) {
                problems.add("config key 'data.classes': " + e.getMessage());
            }
        boolean images = values.get("data.source").equals("bars") || values.get("data.source").equals("fashion-mnist");
        if (values.get("critic.kind").equals("conv") && !images)
            problems.add("config key 'critic.kind': conv needs images, but data.source=" + values.get("data.source")
                    + " gives points; use critic.kind=mlp (or auto)");
        if ((Double) values.get("diffusion.betaEnd") < (Double) values.get("diffusion.betaStart"))
            problems.add("config keys 'diffusion.betaStart'/'diffusion.betaEnd': the end must not be below the start");
        if (values.get("model.kind").equals("reference-toy") && !values.get("sampler.kind").equals("ddpm")
                && !values.get("sampler.kind").equals("fastdpm-step") && !values.get("sampler.kind").equals("ddim"))
            problems.add("config key 'model.kind': reference-toy takes integer steps only, so sampler.kind must be ddpm, "
                    + "fastdpm-step or ddim (FastDPM VAR uses continuous times; use model.kind=sinusoidal)");
        try {
            parseWidths((String) values.get("model.widths"));
        } catch (IllegalArgumentException e) {
            problems.add("config key 'model.widths': " + e.getMessage());
        }
        try {
            parseWidths((String) values.get("critic.widths"));
        } catch (IllegalArgumentException e) {
            problems.add("config key 'critic.widths': " + e.getMessage());
        }
        if (((Integer) values.get("model.timeEmbedding")) % 2 != 0)
            problems.add("config key 'model.timeEmbedding': must be even, got " + values.get("model.timeEmbedding"));

        if (!problems.isEmpty()) throw new ConfigException(String.join("\n", problems));
        return new Config(label, values);
    }

    private static void apply(Map<String, Object> values, String key, Object raw, String origin, List<String> problems) {
        ConfigKey<?> k = ConfigSchema.find(key);
        if (k == null) {
            String hint = ConfigSchema.suggest(key);
            problems.add("unknown config key '" + key + "' (" + origin + ")"
                    + (hint != null ? "; did you mean '" + hint + "'?" : "") + " Run `sftpg config` to list every key.");
            return;
        }
        try {
            values.put(key, k.parse(raw, origin));
        } catch (ConfigException e) {
            problems.add(e.getMessage());
        }
    }

    static String keyForEnv(String var) {
        String wanted = var.substring(ENV_PREFIX.length());
        for (ConfigKey<?> k : ConfigSchema.keys())
            if (k.name().replace('.', '_').toUpperCase(Locale.ROOT).equals(wanted)) return k.name();
        return null;
    }

    private interface LeafVisitor {
        void visit(String key, JsonNode value);
    }

    private static void flatten(JsonNode node, String prefix, LeafVisitor visitor) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) flatten(e.getValue(), key, visitor);
            else visitor.visit(key, e.getValue());
        }
    }

    private static String presetLabel(String name) {
        String base = Path.of(name).getFileName().toString();
        return base.endsWith(".json") ? base.substring(0, base.length() - 5) : base;
    }

    /** Reads a preset by path, else by built-in name from the classpath ({@code config/NAME.json}). */
    static JsonNode readPreset(String name) {
        ObjectMapper json = new ObjectMapper();
        Path file = Path.of(name);
        String builtIn = String.join(", ", builtInPresets());
        try {
            if (Files.isRegularFile(file)) {
                JsonNode n = json.readTree(file.toFile());
                if (n == null || !n.isObject())
                    throw new ConfigException("preset " + file + " must hold a JSON object like {\"pretrain\": {\"steps\": 5000}}"
                            + (n == null ? " but is empty" : "") + "; fix the file or pass a built-in preset (" + builtIn + ")");
                return n;
            }
            if (Files.isDirectory(file))
                throw new ConfigException("preset " + file + " is a directory, not a JSON file; pass a JSON file or a built-in preset ("
                        + builtIn + ")");
            try (InputStream in = ConfigLoader.class.getResourceAsStream("/config/" + presetLabel(name) + ".json")) {
                if (in != null && !name.contains("/")) return json.readTree(in);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("preset " + name + " is not valid JSON: " + jsonProblem(e)
                    + "; fix the file or pass a built-in preset (" + builtIn + ")");
        } catch (IOException e) {
            throw new ConfigException("cannot read preset " + name + " (" + ioProblem(e) + "); check the file's permissions or pass "
                    + "a built-in preset (" + builtIn + ")");
        }
        if (looksLikeAFile(name))
            throw new ConfigException("preset file " + file.toAbsolutePath().normalize() + " does not exist; check the path given "
                    + "to --config, or pass a built-in preset (" + builtIn + ")");
        String close = null;
        for (String p : builtInPresets())
            if (Typos.distance(name.toLowerCase(Locale.ROOT), p) <= 2 && (close == null || Typos.distance(name, p) < Typos.distance(name, close)))
                close = p;
        throw new ConfigException("no preset named '" + name + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
                + ": give a JSON file path or one of the built-in presets " + builtIn);
    }

    private static boolean looksLikeAFile(String name) {
        return name.contains("/") || name.contains(java.io.File.separator) || name.toLowerCase(Locale.ROOT).endsWith(".json");
    }

    /** Jackson's description of a syntax error, on one line, with where it is: "... (line 3, column 7)". */
    public static String jsonProblem(com.fasterxml.jackson.core.JsonProcessingException e) {
        String what = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
        // Jackson may describe the source ("[Source: (File)...]") and break lines; the file is named by the caller
        what = what.replaceAll("\\[Source:[^;\\]]*;\\s*(line: \\d+, column: \\d+)\\]", "$1")
                .replaceAll("\\s*\\[Source:[^\\]]*\\]", "").replaceAll("\\s*\\R\\s*", " ").strip();
        var at = e.getLocation();
        return what + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }

    /** An I/O failure in words, without the exception's class name. */
    static String ioProblem(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        return e.getMessage() == null ? "I/O error" : e.getMessage();
    }

    public static List<String> builtInPresets() {
        return List.of("swissroll", "swissroll-reference", "moons", "toy-images");
    }

    /** "16,32,32" as widths; refuses empty lists, non-numbers and widths below 1, naming an example. */
    public static int[] parseWidths(String text) {
        String[] parts = text.split(",");
        int[] widths = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                widths[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a comma-separated list of widths (e.g. 16,32,32)");
            }
            if (widths[i] < 1 || widths[i] > 1024)
                throw new IllegalArgumentException("width " + widths[i] + " is outside 1..1024 (e.g. 16,32,32)");
        }
        return widths;
    }
}
