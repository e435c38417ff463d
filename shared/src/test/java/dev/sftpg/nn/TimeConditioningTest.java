package dev.sftpg.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Sinusoidal time features against their closed form, row by row, whether neighbouring rows share a time or not. */
class TimeConditioningTest {

    @Test
    void sinusoidalFeaturesAreSinAndCosAtGeometricFrequenciesForEveryRow() {
        TimeConditioning.Sinusoidal enc = new TimeConditioning.Sinusoidal(8, 10000);
        float[] tau = {3f, 3f, 3f, 0.5f, 999f, 999f, 0.5f};
        float[] out = new float[tau.length * 8];
        java.util.Arrays.fill(out, Float.NaN);
        enc.encode(tau, tau.length, out);
        for (int i = 0; i < tau.length; i++)
            for (int k = 0; k < 4; k++) {
                double arg = tau[i] * Math.pow(10000, -k / 4.0);
                assertEquals(Math.sin(arg), out[i * 8 + k], 1e-6, "row " + i + " sin " + k);
                assertEquals(Math.cos(arg), out[i * 8 + 4 + k], 1e-6, "row " + i + " cos " + k);
            }
    }
}
