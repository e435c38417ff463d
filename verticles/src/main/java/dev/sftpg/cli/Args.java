package dev.sftpg.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Minimal GNU-style option parsing: {@code --name value}, {@code --name=value}, flags, repeatable {@code --set}. */
final class Args {
    private final String command;
    private final Map<String, String> options = new HashMap<>();
    private final List<String> sets = new ArrayList<>();

    private Args(String command) {
        this.command = command;
    }

    static Args parse(String command, String[] argv, int from, Set<String> valued, Set<String> flags) {
        Args a = new Args(command);
        for (int i = from; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("--")) throw new UsageException(command + ": unexpected argument '" + arg + "'. " + Main.helpHint(command));
            String name = arg.substring(2), value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) throw new UsageException(command + ": --" + name + " takes no value");
                a.options.put(name, "true");
            } else if (valued.contains(name) || name.equals("set")) {
                if (value == null) {
                    if (i + 1 >= argv.length) throw new UsageException(command + ": --" + name + " needs a value (--" + name + " VALUE)");
                    if (isOption(argv[i + 1], valued, flags))
                        throw new UsageException(command + ": --" + name + " needs a value, but the option " + argv[i + 1]
                                + " follows it; write --" + name + " VALUE");
                    value = argv[++i];
                }
                if (name.equals("set")) a.sets.add(value);
                else a.options.put(name, value);
            } else {
                throw new UsageException(command + ": unknown option --" + name + unknownOptionHint(name, valued, flags)
                        + " " + Main.helpHint(command));
            }
        }
        return a;
    }

    private static boolean isOption(String arg, Set<String> valued, Set<String> flags) {
        if (!arg.startsWith("--")) return false;
        String name = arg.substring(2);
        if (name.indexOf('=') >= 0) name = name.substring(0, name.indexOf('='));
        return valued.contains(name) || flags.contains(name) || name.equals("set");
    }

    /** "; did you mean --out? pretrain takes --config, --out, --set." */
    private static String unknownOptionHint(String name, Set<String> valued, Set<String> flags) {
        java.util.TreeSet<String> known = new java.util.TreeSet<>(valued);
        known.addAll(flags);
        known.add("set");
        String close = Main.closest(name, known);
        return (close == null ? "." : "; did you mean --" + close + "?") + " It takes "
                + String.join(", ", known.stream().map(o -> "--" + o).toList()) + ".";
    }

    String get(String name) {
        return options.get(name);
    }

    String require(String name, String example) {
        String v = options.get(name);
        if (v == null || v.isBlank()) throw new UsageException(command + " needs --" + name + " (e.g. --" + name + " " + example + ")");
        return v;
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    int intOption(String name, int fallback, int min) {
        String v = options.get(name);
        if (v == null) return fallback;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be an integer >= " + min + ", got '" + v + "'");
        }
    }

    List<String> sets() {
        return sets;
    }
}
