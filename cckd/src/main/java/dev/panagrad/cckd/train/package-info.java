/**
 * The distillation loop, its settings, the embedding heads, and the metrics of a run: accuracy,
 * retrieval and embedding structure.
 */
package dev.panagrad.cckd.train;
