package dev.sftpg.data;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a {@link DataSource} from the {@code data.source} / {@code data.*} configuration values, so the configuration
 * layer stays a plain map and every typo is reported in terms the user wrote.
 *
 * <p>Parameters per name (all optional except csv's {@code path}): {@code swissroll}: {@code noise}; {@code moons}:
 * {@code noise}; {@code 8gaussians}: {@code radius}, {@code std}; {@code bars}: {@code imageSize}, {@code noise};
 * {@code csv}: {@code path}, and {@code evalPath} (a separate evaluation file) or {@code evalFraction} with
 * {@code seed} (the held-out part of the file); {@code fashion-mnist}: {@code path} (the folder of its four IDX
 * files, {@link FashionMnist#DEFAULT_FOLDER} when empty) and {@code classes} (a string such as {@code "0,7,9"} or a
 * collection of numbers; empty: all ten). Numbers may be given as {@link Number} or numeric strings. Keys that the
 * chosen source does not know are rejected rather than ignored, so a misspelt {@code "nosie"} cannot silently fall
 * back to the default; callers pass only the source's own parameters.
 */
public final class DataSources {

    /** The valid names, in the order they are documented. */
    public static final List<String> NAMES = List.of("swissroll", "moons", "8gaussians", "bars", "csv", "fashion-mnist");

    /** Share of a file's rows held out for evaluation when no evaluation file is named. */
    public static final double DEFAULT_EVAL_FRACTION = 0.1;

    private DataSources() {
    }

    public static DataSource create(String name, Map<String, ?> params) {
        Map<String, ?> p = params == null ? Map.of() : params;
        if (name == null) throw new IllegalArgumentException("no data source name given; valid choices: " + NAMES);
        switch (name) {
            case "swissroll":
                allow(name, p, "noise");
                return new SwissRoll(number(name, p, "noise", SwissRoll.DEFAULT_NOISE));
            case "moons":
                allow(name, p, "noise");
                return new Moons(number(name, p, "noise", Moons.DEFAULT_NOISE));
            case "8gaussians":
                allow(name, p, "radius", "std");
                return new EightGaussians(number(name, p, "radius", EightGaussians.DEFAULT_RADIUS),
                        number(name, p, "std", EightGaussians.DEFAULT_STD));
            case "bars":
                allow(name, p, "imageSize", "noise");
                return new Bars((int) number(name, p, "imageSize", Bars.DEFAULT_SIZE), number(name, p, "noise", Bars.DEFAULT_NOISE));
            case "csv":
                allow(name, p, "path", "evalPath", "evalFraction", "seed");
                Path path = path(p.get("path"));
                if (path == null) throw new IllegalArgumentException("data source csv needs a file: set data.path");
                Samples rows = CsvSource.load(path).all();
                Path evalPath = path(p.get("evalPath"));
                if (evalPath != null)
                    return SplitFileSource.twoFiles(name, path, rows, evalPath, CsvSource.load(evalPath).all());
                return SplitFileSource.heldOut(name, path, rows, number(name, p, "evalFraction", DEFAULT_EVAL_FRACTION),
                        (long) number(name, p, "seed", 0));
            case "fashion-mnist":
                allow(name, p, "path", "classes");
                return FashionMnist.load(path(p.get("path")), classes(name, p.get("classes")));
            default:
                throw new IllegalArgumentException("unknown data source \"" + name + "\"; valid choices: " + NAMES);
        }
    }

    private static Path path(Object v) {
        if (v == null || v.toString().isBlank()) return null;
        return v instanceof Path ? (Path) v : Path.of(v.toString());
    }

    private static int[] classes(String name, Object v) {
        if (v instanceof Collection<?> c) v = String.join(",", c.stream().map(String::valueOf).toList());
        try {
            return FashionMnist.parseClasses(v == null ? "" : v.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("data source " + name + " parameter classes: " + e.getMessage());
        }
    }

    private static void allow(String name, Map<String, ?> p, String... known) {
        Set<String> unknown = new TreeSet<>(p.keySet());
        unknown.removeAll(List.of(known));
        if (!unknown.isEmpty())
            throw new IllegalArgumentException("data source " + name + " does not take parameter(s) " + unknown
                    + "; it takes " + List.of(known));
    }

    private static double number(String name, Map<String, ?> p, String key, double dflt) {
        Object v = p.get(key);
        if (v == null) return dflt;
        if (v instanceof Number) return ((Number) v).doubleValue();
        try {
            return Double.parseDouble(v.toString().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("data source " + name + " parameter " + key
                    + " must be a number, got \"" + v + "\"");
        }
    }
}
