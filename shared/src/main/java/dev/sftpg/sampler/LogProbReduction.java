package dev.sftpg.sampler;


/**
 * How a transition's Gaussian log-density is reduced over data dimensions: summed (the 2-D toy reference)
 * or averaged (the image reference, which averages over pixels).
 */
public enum LogProbReduction {
    SUM, MEAN;

    public static LogProbReduction parse(String s) {
        return dev.sftpg.util.Enums.parse(LogProbReduction.class, s, "log-prob reduction");
    }
}
