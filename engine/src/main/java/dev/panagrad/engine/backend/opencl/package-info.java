/**
 * A backend that runs every kernel on an OpenCL device through Aparapi: the ops, the device code with
 * one argument setter per op, and where tensors live on the device.
 */
package dev.panagrad.engine.backend.opencl;
