package dev.sftpg.messages;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bounded fuzzing with fixed seeds: whatever bytes arrive, decoding returns a valid message or throws
 * {@link MessageFormatException}, and nothing else (no IndexOutOfBounds, BufferUnderflow, NegativeArraySize or
 * OutOfMemory). Three generators because pure noise never gets past the magic: noise, valid frames around random
 * payloads, and mutated real messages with the CRC repaired so the payload parsers see the damage.
 */
class MessageFuzzTest {

    private static int decodeOrReject(byte[] bytes, String what) {
        try {
            Object m = MessageCodecs.decodeAny(bytes);
            assertNotNull(m);
            assertArrayEquals(bytes, MessageCodecs.encode(m), "anything accepted is canonical: " + what);
            return 1;
        } catch (MessageFormatException e) {
            assertNotNull(e.getMessage());
            return 0;
        } catch (Throwable t) {
            throw new AssertionError(what + " threw " + t, t);
        }
    }

    @Test
    void randomBytesAreRejectedCleanly() {
        Random rnd = new Random(20240601L);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[rnd.nextInt(201)];
            rnd.nextBytes(b);
            if (i % 2 == 1 && b.length >= 4) { // half of them get the magic, to reach the version and length checks
                b[0] = 'S'; b[1] = 'F'; b[2] = 'T'; b[3] = 'M';
            }
            assertEquals(0, decodeOrReject(b, "random #" + i));
        }
    }

    @Test
    void validFramesAroundRandomPayloadsAreRejectedCleanly() {
        Random rnd = new Random(7L);
        MessageType[] types = MessageType.values();
        for (int i = 0; i < 20_000; i++) {
            byte[] payload = new byte[rnd.nextInt(120)];
            rnd.nextBytes(payload);
            if (payload.length >= 16 && rnd.nextBoolean()) { // small plausible lengths in the usual places
                payload[8] = 0; payload[9] = 0; payload[10] = 0;
                payload[12] = 0; payload[13] = 0; payload[14] = 0;
            }
            decodeOrReject(Wire.frame(types[rnd.nextInt(types.length)], payload), "payload #" + i);
        }
    }

    @Test
    void mutatedMessagesWithRepairedCrcAreDecodedOrRejectedCleanly() {
        Random rnd = new Random(99L);
        List<Object> samples = Wire.samples();
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = MessageCodecs.encode(samples.get(rnd.nextInt(samples.size())));
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = 12 + rnd.nextInt(b.length - 16); // payload only: the header checks are covered elsewhere
                b[at] = switch (rnd.nextInt(4)) {
                    case 0 -> (byte) rnd.nextInt(256);
                    case 1 -> (byte) 0xFF;
                    case 2 -> (byte) 0x7F;
                    default -> (byte) (b[at] ^ (1 << rnd.nextInt(8)));
                };
            }
            accepted += decodeOrReject(Wire.fixCrc(b), "mutation #" + i);
        }
        // flipping a float mantissa bit, say, gives a different valid message; most edits must still be caught
        assertTrue(accepted > 0 && accepted < 20_000 / 2, "accepted " + accepted);
    }
}
