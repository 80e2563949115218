/**
 * Tensors and reverse-mode autodiff: {@link dev.panagrad.engine.Tensor}, the autodiff graph ({@link
 * dev.panagrad.engine.Autograd}, {@link dev.panagrad.engine.BackwardPass}), gradient checks, and the
 * choice of backend ({@link dev.panagrad.engine.Backends}).
 */
package dev.panagrad.engine;
