package dev.panagrad.engine;

/**
 * The chain rule of one op: given the gradient of the loss with respect to the op's output, the
 * gradients with respect to its inputs.
 */
@FunctionalInterface
public interface BackwardFunction {
    /**
     * @param gradOutput gradient with respect to the output, of the output's shape
     * @param needsGrad  {@code needsGrad[i]} tells whether input {@code i} wants a gradient; entries
     *                   for inputs that do not may be {@code null}
     * @return one gradient per input, each of that input's shape or broadcastable to it from the
     *         output's shape (the engine sums broadcast dimensions away)
     */
    Tensor[] apply(Tensor gradOutput, boolean[] needsGrad);
}
