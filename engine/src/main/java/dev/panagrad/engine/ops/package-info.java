/**
 * The differentiable ops, each with its forward and its backward side by side, and the math of the
 * fused ones written out (batch norm, softmax, convolution).
 */
package dev.panagrad.engine.ops;
