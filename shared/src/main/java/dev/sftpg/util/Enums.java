package dev.sftpg.util;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Case-insensitive parsing of configuration choices into enums, with an error that lists the valid ones. */
public final class Enums {
    private Enums() {
    }

    /** Parses {@code value} (e.g. "adam", "fastdpm-var" as FASTDPM_VAR) or explains, naming {@code what}. */
    public static <E extends Enum<E>> E parse(Class<E> type, String value, String what) {
        String key = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) if (e.name().equals(key)) return e;
        String choices = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown " + what + " '" + value + "' (choose " + choices + ")");
    }
}
