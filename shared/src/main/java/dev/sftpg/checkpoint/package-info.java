/**
 * Checkpoints on disk: named float tensors plus JSON metadata in one self-checking binary file
 * ({@link dev.sftpg.checkpoint.TensorFile}). A dedicated format rather than Java serialization so files stay
 * readable across code changes, can be inspected from other languages, and fail loudly when damaged.
 */
package dev.sftpg.checkpoint;
