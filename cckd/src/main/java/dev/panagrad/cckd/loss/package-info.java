/**
 * The losses of knowledge distillation: KD, the correlation congruence of CCKD and its kernels, and
 * the baselines the paper compares with.
 */
package dev.panagrad.cckd.loss;
