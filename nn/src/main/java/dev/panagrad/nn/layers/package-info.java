/**
 * Layers: convolution, batch norm, linear, pooling and the like.
 */
package dev.panagrad.nn.layers;
