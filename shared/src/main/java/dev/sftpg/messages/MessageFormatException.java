package dev.sftpg.messages;

/**
 * Bytes off the event bus that are not a valid message, or a message that cannot be put on it. Unchecked because a
 * verticle cannot repair a bad message in place: it can only log it, fail the reply and carry on. Every decoding
 * failure, whatever the garbage, surfaces as this one type (never an index, buffer or allocation error), so a
 * handler needs exactly one catch clause to stay alive. The message names the problem precisely enough to tell a
 * corrupted transfer (CRC), a peer running another build (version, type id) and a bug in the sender (validation)
 * apart.
 */
public class MessageFormatException extends RuntimeException {

    public MessageFormatException(String message) {
        super(message);
    }

    public MessageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
