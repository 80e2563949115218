/**
 * The default backend: Vector API kernels at the machine's widest float species, with register tiles
 * chosen for its vector registers, and which convolution algorithm runs where ({@code ConvPlan}).
 */
package dev.panagrad.engine.backend.simd;
