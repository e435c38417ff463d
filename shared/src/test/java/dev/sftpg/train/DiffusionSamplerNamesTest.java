package dev.sftpg.train;

import dev.sftpg.config.ConfigLoader;
import dev.sftpg.sampler.DpmSolver;
import dev.sftpg.sampler.Sampler;
import dev.sftpg.sampler.SamplerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sampler name, records and DPM-Solvers, parsed in one place with its NFE. */
class DiffusionSamplerNamesTest {
    private static final Diffusion DIFFUSION = new Diffusion(ConfigLoader.load("swissroll", List.of(), Map.of()));

    @Test
    void solverNamesGiveSolversWithTheirBudget() {
        Map<String, Integer> nfe = Map.of("dpm-solver-2-10", 10, "dpm-solver-3-10", 10, "dpm-solver++-2m-10", 10,
                "dpm-solver-3-8", 8, "dpm-solver-1-5", 5, "DPM-Solver-3-10-time", 10, "dpm-solver++-2m-7-time", 7);
        nfe.forEach((name, calls) -> {
            Sampler s = DIFFUSION.samplerByName(name);
            assertInstanceOf(DpmSolver.class, s, name);
            assertEquals(calls, s.nfe(), name);
            assertEquals(name.toLowerCase(java.util.Locale.ROOT), s.name());
        });
    }

    @Test
    void recordNamesGiveTheSameRecordsAsBefore() {
        for (String name : List.of("ddpm-1000", "fastdpm-10", "fastdpm-8", "fastdpm-var-8", "fastdpm-step-8", "ddim-8", "ddim-10")) {
            Sampler s = DIFFUSION.samplerByName(name);
            SamplerRecord rec = assertInstanceOf(SamplerRecord.class, s, name);
            SamplerRecord direct = DIFFUSION.sampler(name);
            assertEquals(direct.name(), rec.name());
            assertEquals(direct.steps(), rec.nfe());
            assertEquals(java.util.Arrays.toString(direct.b()), java.util.Arrays.toString(rec.b()), name);
        }
        assertEquals(8, DIFFUSION.samplerByName("ddim-8").nfe());
    }

    @Test
    void unknownNamesListEveryForm() {
        for (String bad : List.of("euler-4", "dpm-solver-4-10", "dpm-solver++-3m-10", "dpm-solver-3")) {
            String msg = assertThrows(IllegalArgumentException.class, () -> DIFFUSION.samplerByName(bad)).getMessage();
            for (String form : List.of(bad, "ddpm-N", "fastdpm-S", "fastdpm-var-S", "fastdpm-step-S", "ddim-S",
                    "dpm-solver-2-NFE", "dpm-solver-3-NFE", "dpm-solver++-2m-NFE", "-time"))
                assertTrue(msg.contains(form), msg + " lacks " + form);
        }
        assertThrows(IllegalArgumentException.class, () -> DIFFUSION.samplerByName("dpm-solver-3-0"));
    }

    @Test
    void solversAreNotRecordsAndNeedContinuousTimes() {
        String msg = assertThrows(IllegalArgumentException.class, () -> DIFFUSION.sampler("dpm-solver-3-10")).getMessage();
        assertTrue(msg.contains("not a per-step record"), msg);
        Diffusion toy = new Diffusion(ConfigLoader.load("swissroll-reference", List.of(), Map.of()));
        String toyMsg = assertThrows(IllegalArgumentException.class, () -> toy.samplerByName("dpm-solver-3-10")).getMessage();
        assertTrue(toyMsg.contains("reference-toy"), toyMsg);
        assertSame(DpmSolver.class, DIFFUSION.samplerByName(" dpm-solver-3-10 ").getClass());
    }

    @Test
    void aShortDdpmIsTheAncestralChainOnTheSubSequenceWhateverTheKappa() {
        Diffusion half = new Diffusion(ConfigLoader.load("swissroll", List.of("sampler.kappa=0.5", "sampler.kind=fastdpm-step"), Map.of()));
        Diffusion one = new Diffusion(ConfigLoader.load("swissroll", List.of("sampler.kappa=1", "sampler.kind=fastdpm-step"), Map.of()));
        SamplerRecord ddpm = half.sampler("ddpm-10"), step = one.sampler("fastdpm-step-10");
        assertEquals("ddpm-10", ddpm.name());
        assertEquals(10, ddpm.nfe());
        assertEquals(java.util.Arrays.toString(step.b()), java.util.Arrays.toString(ddpm.b()));
        assertEquals(java.util.Arrays.toString(step.s()), java.util.Arrays.toString(ddpm.s()));
        assertTrue(!java.util.Arrays.equals(ddpm.s(), half.sampler("fastdpm-step-10").s()), "kappa 0.5 is another chain");
        String msg = assertThrows(IllegalArgumentException.class, () -> DIFFUSION.sampler("ddpm-2000")).getMessage();
        assertTrue(msg.contains("T = "), msg);
    }
}
