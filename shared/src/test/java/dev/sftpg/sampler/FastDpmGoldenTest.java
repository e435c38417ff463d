package dev.sftpg.sampler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sftpg.schedule.BetaSchedule;
import dev.sftpg.schedule.NoiseSchedule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** FastDPM VAR (T = 1000 linear betas 1e-4..0.02, S = 10, kappa = 1) against the reference implementation's values. */
class FastDpmGoldenTest {
    private static final double REL = 1e-4;

    private static JsonNode golden(String spacing) throws Exception {
        try (InputStream in = FastDpmGoldenTest.class.getResourceAsStream("/golden/fastdpm-reference-vectors.json")) {
            return new ObjectMapper().readTree(in).get(spacing);
        }
    }

    private static void assertRel(JsonNode expected, double[] actual, String what) {
        assertEquals(expected.size(), actual.length, what + " length");
        for (int i = 0; i < actual.length; i++) {
            double e = expected.get(i).asDouble();
            assertEquals(e, actual[i], Math.abs(e) * REL, what + "[" + i + "]");
        }
    }

    @ParameterizedTest
    @CsvSource({"quadratic,QUADRATIC", "linear,LINEAR"})
    void varRecordMatchesReference(String key, FastDpm.Spacing spacing) throws Exception {
        JsonNode g = golden(key);
        NoiseSchedule schedule = NoiseSchedule.of(BetaSchedule.LINEAR, 1000, 1e-4, 0.02);
        assertRel(g.get("user_defined_eta"), FastDpm.varNoise(schedule, 10, spacing), "eta");

        SamplerRecord r = FastDpm.var(schedule, 10, spacing, 1.0, 0.001, true);
        assertRel(g.get("x_prev_multiplier"), r.a(), "x_prev_multiplier");
        assertRel(g.get("eps_multiplier"), r.b(), "eps_multiplier");
        assertRel(g.get("std"), r.s(), "std");

        double[] tau = r.tau();
        JsonNode steps = g.get("continuous_steps");
        for (int i = 0; i < 9; i++) {
            double e = steps.get(i).asDouble();
            assertEquals(e, tau[i], Math.abs(e) * REL, "continuous_steps[" + i + "]");
        }
        // The last step (~1.5e-4) is set by cancellation between two ~5e5-sized Stirling terms in the
        // reference's own formula; its value moves by ~1e-6 with float rounding, so it is checked absolutely.
        assertEquals(steps.get(9).asDouble(), tau[9], 2e-6, "continuous_steps[9]");
    }
}
