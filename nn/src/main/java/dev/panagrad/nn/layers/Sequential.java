package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;

/** Modules applied in order, named "0", "1", ..., as {@code torch.nn.Sequential}. */
public final class Sequential extends Module {
    private final Module[] modules;

    public Sequential(Module... modules) {
        this.modules = modules.clone();
        for (int i = 0; i < modules.length; i++) {
            registerModule(Integer.toString(i), modules[i]);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = x;
        for (Module m : modules) {
            out = m.forward(out);
        }
        return out;
    }

    /** The i-th module. */
    public Module get(int i) {
        return modules[i];
    }

    public int size() {
        return modules.length;
    }
}
