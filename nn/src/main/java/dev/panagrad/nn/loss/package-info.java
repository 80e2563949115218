/**
 * Loss functions with PyTorch's definitions and default reductions.
 */
package dev.panagrad.nn.loss;
