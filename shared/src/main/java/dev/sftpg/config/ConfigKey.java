package dev.sftpg.config;

import java.util.List;
import java.util.Locale;

/**
 * One documented configuration key: its type, default, allowed values and what it means.
 *
 * @param name        dotted name, e.g. {@code pretrain.steps}
 * @param type        the Java type of its value (Integer, Double, Boolean or String)
 * @param defaultValue value when neither preset, environment nor --set gives one
 * @param min         lower bound for numbers (null: none)
 * @param minExclusive whether the lower bound itself is refused ("> 0")
 * @param max         inclusive upper bound for numbers (null: none)
 * @param choices     allowed strings (empty: any)
 * @param description one line for `sftpg config` and the README
 */
public record ConfigKey<T>(String name, Class<T> type, T defaultValue, Double min, boolean minExclusive, Double max,
                           List<String> choices, String description) {

    /** Converts a raw value (JSON or command-line string) to this key's type, or explains why not. */
    public T parse(Object raw, String origin) {
        Object v = raw;
        try {
            if (type == Integer.class) {
                if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) v = n.intValue();
                else if (raw instanceof String s) v = Integer.parseInt(s.trim().replace("_", ""));
                else throw new NumberFormatException();
            } else if (type == Double.class) {
                if (raw instanceof Number n) v = n.doubleValue();
                else if (raw instanceof String s) v = Double.parseDouble(s.trim());
                else throw new NumberFormatException();
            } else if (type == Boolean.class) {
                if (raw instanceof Boolean) v = raw;
                else if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")))
                    v = Boolean.parseBoolean(s);
                else throw new NumberFormatException();
            } else {
                if (!(raw instanceof String)) throw new NumberFormatException();
                v = ((String) raw).trim();
            }
        } catch (NumberFormatException e) {
            throw new ConfigException("config key '" + name + "' (" + origin + "): '" + raw + "' is not " + typeName()
                    + (range().equals("any") ? "" : " " + range()) + example() + ". " + description);
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || (min != null && (minExclusive ? d <= min : d < min)) || (max != null && d > max))
                throw new ConfigException("config key '" + name + "' (" + origin + "): " + raw + " is out of range; allowed "
                        + range() + example() + ". " + description);
        }
        if (!choices.isEmpty() && !choices.contains(((String) v).toLowerCase(Locale.ROOT)))
            throw new ConfigException("config key '" + name + "' (" + origin + "): '" + raw + "' is not one of "
                    + String.join(", ", choices) + ".");
        if (!choices.isEmpty()) v = ((String) v).toLowerCase(Locale.ROOT);
        return type.cast(v);
    }

    /** "; e.g. pretrain.steps=40000 (the default)": a value the user can copy, or "" when the default is empty. */
    private String example() {
        String v = defaultValue instanceof Double d ? fmtExample(d) : String.valueOf(defaultValue);
        return v.isEmpty() ? "" : "; e.g. " + name + "=" + v + " (the default)";
    }

    private static String fmtExample(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        return Double.toString(d).replace(".0E", "e").replace("E", "e");
    }

    public String typeName() {
        if (type == Integer.class) return "an integer";
        if (type == Double.class) return "a number";
        if (type == Boolean.class) return "true or false";
        return choices.isEmpty() ? "a string" : "one of " + String.join(", ", choices);
    }

    public String range() {
        if (min == null && max == null) return "any";
        if (max == null) return (minExclusive ? "> " : ">= ") + fmt(min);
        if (min == null) return "<= " + fmt(max);
        return (minExclusive ? "> " + fmt(min) + " and <= " : fmt(min) + " .. ") + fmt(max);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
