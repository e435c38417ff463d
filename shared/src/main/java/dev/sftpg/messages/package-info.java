/**
 * The messages the training verticles exchange over the clustered event bus, as small immutable records, and the
 * one binary codec for them ({@link dev.sftpg.messages.MessageCodecs}). Records validate themselves on
 * construction, so a bad value (a NaN, a shape mismatch, a wrong digest) is refused by the node that made it, and
 * the same validation refuses it again on decode should a sender skip it. No Vert.x types here: the verticles wrap
 * the byte arrays in a {@code Buffer}, which keeps this package testable without a cluster.
 */
package dev.sftpg.messages;
