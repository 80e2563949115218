package dev.panagrad.engine;

/**
 * How an op joins the autodiff graph. An op computes its output with a backend kernel, then records
 * itself with its inputs, the tensors its backward reads, and its backward:
 *
 * <pre>{@code
 * Tensor out = ...; // forward
 * return Autograd.op("mul", a, b).saves(a, b)
 *         .result(out, (g, needs) -> new Tensor[] {g.mul(b), g.mul(a)});
 * }</pre>
 *
 * Nothing is recorded when grad mode is off or no input requires grad; the output is then a plain
 * tensor. Saved tensors are checked at backward time: modifying one in place in between is an error.
 */
public final class Autograd {
    private Autograd() {
    }

    /** Starts recording op {@code name} with the given inputs. */
    public static Recorder op(String name, Tensor... inputs) {
        return new Recorder(name, inputs);
    }

    /** A recording in progress; see {@link Autograd}. */
    public static final class Recorder {
        private static final Tensor[] NONE = new Tensor[0];
        private final String name;
        private final Tensor[] inputs;
        private Tensor[] saved = NONE;

        private Recorder(String name, Tensor[] inputs) {
            this.name = name;
            this.inputs = inputs;
        }

        /** Declares the tensors the backward reads, so that in-place changes to them are caught. */
        public Recorder saves(Tensor... tensors) {
            this.saved = tensors;
            return this;
        }

        /** Attaches the op to {@code output} when a gradient may flow, and returns {@code output}. */
        public Tensor result(Tensor output, BackwardFunction backward) {
            output.storage().setMadeBy(name);
            boolean anomaly = Anomaly.isEnabled();
            if (anomaly) {
                Anomaly.checkOutput(name, inputs, output);
            }
            if (!Grad.isEnabled()) {
                return output;
            }
            boolean any = false;
            for (Tensor t : inputs) {
                any |= t.requiresGrad();
            }
            if (any) {
                output.attach(new Node(name, inputs, output.shape(), saved, backward,
                        anomaly ? Anomaly.callSite() : null));
            }
            return output;
        }
    }
}
