/**
 * JMH benchmarks and measurement programs, run beside PyTorch by {@code bench/compare.py}.
 */
package dev.panagrad.bench;
