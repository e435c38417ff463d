package dev.sftpg.sampler;

import java.util.Locale;

/**
 * How a transition's Gaussian log-density is reduced over data dimensions: summed (the 2-D toy reference)
 * or averaged (the image reference, which averages over pixels).
 */
public enum LogProbReduction {
    SUM, MEAN;

    public static LogProbReduction parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown log-prob reduction '" + s + "' (choose sum or mean)");
        }
    }
}
