/**
 * The differential contract of every backend's kernels against the scalar oracle, in plain code so
 * that it also runs without a test framework.
 */
package dev.panagrad.engine.backend.contract;
