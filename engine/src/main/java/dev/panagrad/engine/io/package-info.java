/**
 * A small JSON reader and writer for checkpoint headers, metrics and test fixtures.
 */
package dev.panagrad.engine.io;
