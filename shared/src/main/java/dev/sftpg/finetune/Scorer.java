package dev.sftpg.finetune;

/**
 * One scalar per point: the critic f (steps ignored) or the value V (steps = trajectory step index per row).
 * In one process it is a learner; across the cluster, a request to the verticle that owns the learner.
 */
@FunctionalInterface
public interface Scorer {
    float[] score(float[] points, int n, int[] steps);
}
