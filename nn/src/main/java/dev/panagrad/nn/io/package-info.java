/**
 * Checkpoints in safetensors, with atomic writes.
 */
package dev.panagrad.nn.io;
