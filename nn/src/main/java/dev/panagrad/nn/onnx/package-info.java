/**
 * Export of a model to ONNX for inference elsewhere.
 */
package dev.panagrad.nn.onnx;
