/**
 * A profiler of any backend: a proxy that times every kernel call and counts its flops.
 */
package dev.panagrad.engine.profile;
