package dev.sftpg.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L); // arbitrary origin: only differences matter

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logModePrintsOneLinePerTenPercentWithRateAndEta() {
        ProgressBar bar = new ProgressBar("train", 100, out, false, clock::get);
        for (int i = 1; i <= 100; i++) {
            clock.addAndGet(100_000_000L); // 0.1 s per step
            bar.update(i, "loss 0.5000");
        }
        bar.finish("final loss 0.2831");
        String[] lines = output().split("\n", -1);
        assertEquals(12, lines.length, output()); // 10 deciles + finish + trailing empty
        assertEquals("train  10% [==>                     ] 10/100 10.0 it/s ETA 0:09 loss 0.5000", lines[0]);
        assertEquals("train 100% [========================] 100/100 10.0 it/s ETA 0:00 loss 0.5000", lines[9]);
        assertEquals("train 100% [========================] 100/100 10.0 it/s in 0:10 final loss 0.2831", lines[10]);
        assertFalse(output().contains("\r"), "no carriage returns in logs");
    }

    @Test
    void aResumedJobCountsItsRateAndEtaFromWhereItResumed() {
        ProgressBar bar = new ProgressBar("pretrain", 1000, out, false, clock::get).resumedFrom(600);
        for (int i = 601; i <= 700; i++) {
            clock.addAndGet(100_000_000L); // 10 steps per second since the resume
            bar.update(i, null);
        }
        String line = output().trim();
        assertTrue(line.contains("700/1000 10.0 it/s ETA 0:30"), line);
        assertEquals(1, line.split("\n").length, "one line: at 70%, not one per decile already passed: " + line);
    }

    @Test
    void logModeAlsoPrintsEveryThirtySecondsWhenSlow() {
        ProgressBar bar = new ProgressBar("pretrain", 1000, out, false, clock::get);
        for (int i = 1; i <= 7; i++) {
            clock.addAndGet(10_000_000_000L); // 10 s per step: far below 10% per 30 s
            bar.update(i, null);
        }
        String[] lines = output().split("\n");
        assertEquals(2, lines.length, output()); // at 30 s and 60 s
        assertTrue(lines[0].startsWith("pretrain   0% [>"), lines[0]);
        assertTrue(lines[0].endsWith("3/1000 10.0 s/it ETA 2:46:10"), lines[0]);
        assertTrue(lines[1].contains(" 6/1000 "), lines[1]);
    }

    @Test
    void terminalModeRedrawsInPlaceAtMostFiveTimesPerSecond() {
        ProgressBar bar = new ProgressBar("sample", 100, out, true, clock::get);
        for (int i = 1; i <= 100; i++) {
            clock.addAndGet(10_000_000L); // 10 ms per step, 1 s in all
            bar.update(i, "");
        }
        String beforeFinish = output();
        assertEquals(6, beforeFinish.chars().filter(c -> c == '\r').count(), "t=0.01,0.21,...,0.81 and completion");
        assertFalse(beforeFinish.contains("\n"));
        bar.finish("done");
        bar.finish("ignored second call");
        String all = output();
        assertTrue(all.endsWith("100/100 100 it/s in 0:01 done\n"), all);
        assertEquals(1, all.chars().filter(c -> c == '\n').count());
    }

    @Test
    void shorterRedrawBlanksTheTailOfTheLongerOne() {
        ProgressBar bar = new ProgressBar("x", 10, out, true, clock::get);
        bar.update(1, "a very long suffix");
        clock.addAndGet(1_000_000_000L);
        bar.update(2, "");
        String[] draws = output().split("\r");
        assertEquals(draws[1].length(), draws[2].length(), "second draw padded to cover the first");
    }

    @Test
    void unknownTotalShowsCountAndRateOnly() {
        ProgressBar bar = new ProgressBar("sampling", 0, out, false, clock::get);
        clock.addAndGet(10_000_000_000L);
        bar.update(50, null);
        clock.addAndGet(30_000_000_000L);
        bar.update(200, null);
        assertEquals("sampling 200 5.0 it/s\n", output());
    }

    @Test
    void durationsAndRatesFormatReadably() {
        assertEquals("1:02:05", ProgressBar.formatDuration(3725));
        assertEquals("0:59", ProgressBar.formatDuration(59.4));
        assertEquals("?", ProgressBar.formatDuration(Double.NaN));
        assertEquals("1234 it/s", ProgressBar.formatRate(1234.4));
        assertEquals("2.5 s/it", ProgressBar.formatRate(0.4));
        assertEquals("? it/s", ProgressBar.formatRate(0));
    }
}
