/**
 * Modules with PyTorch's names, defaults and parameter names, and the functional forms of their ops.
 */
package dev.panagrad.nn;
