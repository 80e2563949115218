/**
 * The GPU run: the workloads timed with plain timers for the bundle that runs blind on a GPU machine.
 */
package dev.panagrad.bench.gpu;
