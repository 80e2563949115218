/**
 * The reference backend: plain loops on one thread, the oracle every other backend is tested against.
 */
package dev.panagrad.engine.backend.scalar;
