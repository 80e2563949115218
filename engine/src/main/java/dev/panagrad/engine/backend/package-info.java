/**
 * The kernels every backend provides ({@link dev.panagrad.engine.backend.Backend}) over flat {@link
 * dev.panagrad.engine.backend.Storage} buffers, how backends are found ({@link
 * dev.panagrad.engine.backend.BackendProvider}), and the thread pool of the host kernels.
 */
package dev.panagrad.engine.backend;
