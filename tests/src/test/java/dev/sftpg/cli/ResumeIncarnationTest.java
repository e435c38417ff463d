package dev.sftpg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.finetune.FinetuneCheckpoint;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A resumed coordinator's incarnation is above the one that wrote its checkpoint even when the clock of the machine
 * it resumes on is behind, so that fencing still retires the old coordinator (which compares incarnations).
 */
class ResumeIncarnationTest {
    private static final long NOW = 1_800_000_000_000L;

    private static Resume resumeOf(Long writtenBy) {
        ObjectNode metadata = new ObjectMapper().createObjectNode();
        ObjectNode coordinator = metadata.putObject("coordinator").put("runId", "r1");
        if (writtenBy != null) coordinator.put("incarnation", writtenBy);
        Config config = ConfigLoader.load("swissroll", List.of(), Map.of());
        return new Resume(Path.of("run-r1"), new FinetuneCheckpoint(Path.of("run-r1/checkpoints/step-10"), config, 10, Map.of(), metadata), config);
    }

    @Test
    void aClockAheadOfTheCheckpointsWriterKeepsItsOwnTime() {
        assertEquals(NOW, resumeOf(NOW - 3_600_000).incarnation(NOW));
    }

    @Test
    void aClockBehindTheCheckpointsWriterStillNumbersTheResumeAfterIt() {
        assertEquals(NOW + 3_600_001, resumeOf(NOW + 3_600_000).incarnation(NOW));
        assertEquals(NOW + 1, resumeOf(NOW).incarnation(NOW), "the same millisecond is not newer");
    }

    @Test
    void aCheckpointThatDoesNotNameItsIncarnationLeavesTheClock() {
        assertEquals(NOW, resumeOf(null).incarnation(NOW));
        assertEquals(0, resumeOf(null).previousIncarnation());
    }
}
