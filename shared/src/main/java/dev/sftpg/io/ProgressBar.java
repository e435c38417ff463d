package dev.sftpg.io;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress for long loops (pretraining steps, sampling) that stays useful in both places output ends up.
 *
 * <p>On a terminal it redraws one line in place with {@code \r}, at most ~5 times a second so a tight loop does
 * not spend its time printing. In a log file or a pipe, {@code \r} would produce one enormous line, so it prints
 * ordinary lines instead, only when another 10% is done or 30 s have passed, keeping logs short and readable.
 *
 * <p>Line format: {@code label  42% [=====>      ] 420/1000 12.3 it/s ETA 0:47 loss 0.2831}. A {@code total}
 * of zero or less means unknown: the bar and ETA are left out. Thread-safe; time is injectable for tests.
 */
public final class ProgressBar {

    static final long REDRAW_NANOS = 200_000_000L;
    static final long LOG_INTERVAL_NANOS = 30_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier nanos;
    private final long start;

    private long done;
    private long base; // units done before this process started (a resumed job); not counted in the rate
    private String suffix = "";
    private long lastDrawAt = Long.MIN_VALUE;
    private int lastDecile = 0;
    private int lastWidth = 0;
    private boolean finished;

    /** A bar on {@code out} that redraws in place only when this JVM has a console (not when piped/redirected). */
    public ProgressBar(String label, long total, PrintStream out) {
        this(label, total, out, System.console() != null, System::nanoTime);
    }

    /** Full control: {@code interactive} picks {@code \r} redraws vs. log lines; {@code nanos} is the clock. */
    public ProgressBar(String label, long total, PrintStream out, boolean interactive, LongSupplier nanos) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.interactive = interactive;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
    }

    /** A resumed job: {@code done} units were complete before this process, so the rate and ETA count from there. */
    public synchronized ProgressBar resumedFrom(long done) {
        this.base = done;
        this.done = done;
        this.lastDecile = total > 0 ? (int) Math.min(10, done * 10 / total) : 0;
        return this;
    }

    /** Records that {@code done} units are complete; draws only if the rate limit allows. Suffix may be null. */
    public synchronized void update(long done, String suffix) {
        if (finished) return;
        this.done = done;
        this.suffix = suffix == null ? "" : suffix;
        long now = nanos.getAsLong();
        boolean complete = total > 0 && done >= total;
        if (interactive) {
            if (complete || lastDrawAt == Long.MIN_VALUE || now - lastDrawAt >= REDRAW_NANOS) {
                redraw(line(now, false));
                lastDrawAt = now;
            }
        } else {
            int decile = total > 0 ? (int) Math.min(10, done * 10 / total) : 0;
            long sinceLast = now - (lastDrawAt == Long.MIN_VALUE ? start : lastDrawAt);
            if (decile > lastDecile || sinceLast >= LOG_INTERVAL_NANOS) {
                out.println(line(now, false));
                out.flush();
                lastDecile = Math.max(lastDecile, decile);
                lastDrawAt = now;
            }
        }
    }

    /** Prints the final line (elapsed time instead of ETA, then {@code summary}) and a newline; idempotent. */
    public synchronized void finish(String summary) {
        if (finished) return;
        finished = true;
        if (summary != null) suffix = summary;
        String line = line(nanos.getAsLong(), true);
        if (interactive) {
            redraw(line);
            out.println();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private void redraw(String line) {
        int pad = Math.max(0, lastWidth - line.length()); // blank out the tail of a longer previous line
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        lastWidth = line.length();
    }

    String line(long now, boolean last) {
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? (done - base) / secs : Double.NaN;
        StringBuilder sb = new StringBuilder(label);
        if (total > 0) {
            double frac = Math.min(1.0, Math.max(0.0, (double) done / total));
            sb.append(String.format(Locale.ROOT, " %3d%% ", (int) Math.floor(frac * 100)));
            int filled = (int) Math.round(frac * BAR_WIDTH);
            sb.append('[').append("=".repeat(filled));
            if (filled < BAR_WIDTH) sb.append('>').append(" ".repeat(BAR_WIDTH - filled - 1));
            sb.append("] ").append(done).append('/').append(total);
        } else {
            sb.append(' ').append(done);
        }
        sb.append(' ').append(formatRate(rate));
        if (last) {
            sb.append(" in ").append(formatDuration(secs));
        } else if (total > 0) {
            double eta = rate > 0 ? (total - done) / rate : Double.NaN;
            sb.append(" ETA ").append(formatDuration(eta));
        }
        if (!suffix.isEmpty()) sb.append(' ').append(suffix);
        return sb.toString();
    }

    static String formatRate(double perSec) {
        if (!(perSec > 0) || Double.isInfinite(perSec)) return "? it/s";
        if (perSec >= 100) return String.format(Locale.ROOT, "%.0f it/s", perSec);
        if (perSec >= 1) return String.format(Locale.ROOT, "%.1f it/s", perSec);
        return String.format(Locale.ROOT, "%.1f s/it", 1 / perSec); // slow steps read better as seconds each
    }

    /** {@code m:ss} or {@code h:mm:ss}; {@code ?} when unknown. */
    static String formatDuration(double secs) {
        if (!(secs >= 0) || Double.isInfinite(secs)) return "?";
        long s = Math.round(secs);
        long h = s / 3600, m = (s / 60) % 60, ss = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, ss) : String.format(Locale.ROOT, "%d:%02d", m, ss);
    }
}
