/**
 * Batch samplers for correlation congruence, as in the paper: several images of each of a few groups
 * per batch, the groups being classes or clusters (k-means) of the teacher's embeddings.
 */
package dev.panagrad.cckd.sampler;
