package dev.panagrad.examples.learn;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reverse-mode autodiff on single numbers, the whole idea in one page: each value remembers the values it
 * came from and how to pass a gradient back to them; {@link Value#backward} visits the graph in reverse
 * topological order and applies the chain rule. The engine does the same on tensors
 * ({@code Autograd.op(..).result(out, backward)} and {@code BackwardPass}). Run it with
 * {@code ./panagrad learn scalar}.
 */
public final class ScalarAutodiff {
    private ScalarAutodiff() {
    }

    /** A number in a computation, with the gradient of the final result with respect to it. */
    public static final class Value {
        final double data;
        double grad;
        private final Value[] parents;
        private Runnable backwardStep = () -> { };

        Value(double data, Value... parents) {
            this.data = data;
            this.parents = parents;
        }

        Value add(Value o) {
            Value out = new Value(data + o.data, this, o);
            out.backwardStep = () -> { grad += out.grad; o.grad += out.grad; };          // d(a+b)/da = 1
            return out;
        }

        Value mul(Value o) {
            Value out = new Value(data * o.data, this, o);
            out.backwardStep = () -> { grad += o.data * out.grad; o.grad += data * out.grad; }; // d(ab)/da = b
            return out;
        }

        Value tanh() {
            double t = Math.tanh(data);
            Value out = new Value(t, this);
            out.backwardStep = () -> grad += (1 - t * t) * out.grad;                        // tanh' = 1 - tanh^2
            return out;
        }

        /** Sets this value's gradient to 1 and runs every step's chain rule, outputs before inputs. */
        void backward() {
            List<Value> order = new ArrayList<>();
            topological(this, new HashSet<>(), order);
            grad = 1;
            for (int i = order.size() - 1; i >= 0; i--) {
                order.get(i).backwardStep.run();
            }
        }

        private static void topological(Value v, Set<Value> seen, List<Value> order) {
            if (seen.add(v)) {
                for (Value p : v.parents) {
                    topological(p, seen, order);
                }
                order.add(v);
            }
        }
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** One neuron, tanh(w1 x1 + w2 x2 + b); returns {dw1, dw2, db} from autodiff and from finite differences. */
    public static double[][] run(PrintStream out) {
        double[] in = {2.0, -1.0, 0.5, 0.7, 0.1};                  // x1, x2, w1, w2, b
        Value x1 = new Value(in[0]);
        Value x2 = new Value(in[1]);
        Value w1 = new Value(in[2]);
        Value w2 = new Value(in[3]);
        Value b = new Value(in[4]);
        Value y = w1.mul(x1).add(w2.mul(x2)).add(b).tanh();
        y.backward();
        double[] autodiff = {w1.grad, w2.grad, b.grad};
        double[] numeric = new double[3];
        double eps = 1e-6;
        for (int k = 0; k < 3; k++) {
            double[] plus = in.clone();
            double[] minus = in.clone();
            plus[k + 2] += eps;
            minus[k + 2] -= eps;
            numeric[k] = (neuron(plus) - neuron(minus)) / (2 * eps);
        }
        out.printf("y = tanh(w1 x1 + w2 x2 + b) = %.6f%n", y.data);
        String[] names = {"w1", "w2", "b"};
        for (int k = 0; k < 3; k++) {
            out.printf("dy/d%-2s autodiff %.8f   finite differences %.8f%n", names[k], autodiff[k], numeric[k]);
        }
        return new double[][] {autodiff, numeric};
    }

    private static double neuron(double[] v) {
        return Math.tanh(v[2] * v[0] + v[3] * v[1] + v[4]);
    }
}
