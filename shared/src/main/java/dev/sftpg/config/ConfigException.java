package dev.sftpg.config;

/** A configuration the user must fix; the message names the key, the value, where it came from and the fix. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
