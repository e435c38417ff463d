package dev.sftpg.verticles.bus;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** One line per event that matters, on stderr: time, role, message. */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static volatile boolean quiet;

    private Log() {
    }

    public static void quiet(boolean q) {
        quiet = q;
    }

    public static void info(String role, String message) {
        if (!quiet) System.err.println(LocalTime.now().format(TIME) + " " + pad(role) + " " + message);
    }

    public static void warn(String role, String message) {
        System.err.println(LocalTime.now().format(TIME) + " " + pad(role) + " WARNING " + message);
    }

    private static String pad(String role) {
        return String.format("%-13s", role);
    }
}
