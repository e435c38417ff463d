/**
 * File output for the numerical core: atomic writes (so a crash or a concurrent reader never sees half a file),
 * CSV and PNG renderings of point clouds, and a log-friendly progress bar. Plain Java only, no ND4J and no Vert.x,
 * so every module (CLI, verticles, tests) can use it.
 */
package dev.sftpg.io;
