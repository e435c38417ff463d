package dev.sftpg.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a {@link PointSource} from the {@code data.name} / {@code data.*} configuration values, so the configuration
 * layer stays a plain map and every typo is reported in terms the user wrote.
 *
 * <p>Parameters per name (all optional except {@code path}): {@code swissroll}: {@code noise}; {@code moons}:
 * {@code noise}; {@code 8gaussians}: {@code radius}, {@code std}; {@code csv}: {@code path}. Numbers may be given as
 * {@link Number} or numeric strings. Keys that the chosen source does not know are rejected rather than ignored, so a
 * misspelt {@code "nosie"} cannot silently fall back to the default; callers pass only the source's own parameters.
 */
public final class PointSources {

    /** The valid names, in the order they are documented. */
    public static final List<String> NAMES = List.of("swissroll", "moons", "8gaussians", "csv");

    private PointSources() {
    }

    public static PointSource create(String name, Map<String, ?> params) {
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
            case "csv":
                allow(name, p, "path");
                Object path = p.get("path");
                if (path == null || path.toString().isBlank())
                    throw new IllegalArgumentException("data source csv needs a file: set data.path");
                return CsvPointSource.load(path instanceof Path ? (Path) path : Path.of(path.toString()));
            default:
                throw new IllegalArgumentException("unknown data source \"" + name + "\"; valid choices: " + NAMES);
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
