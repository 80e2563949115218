package dev.panagrad.nn.optim;

/**
 * A learning rate as a function of the epoch (or step) counter, starting at 0, in closed form so that a
 * resumed run gets the same rates as an uninterrupted one. Values equal those of PyTorch's schedulers
 * stepped once per epoch.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate for {@code epoch}. */
    double lr(int epoch);

    /** Sets {@code optimizer}'s learning rate for {@code epoch}; returns it. */
    default double apply(Optimizer optimizer, int epoch) {
        double v = lr(epoch);
        optimizer.setLr(v);
        return v;
    }

    /** {@code MultiStepLR}: {@code base * gamma^k}, k the number of milestones at or before the epoch. */
    static LrSchedule multiStep(double base, double gamma, int... milestones) {
        int[] ms = milestones.clone();
        return epoch -> {
            int k = 0;
            for (int m : ms) {
                if (epoch >= m) {
                    k++;
                }
            }
            return base * Math.pow(gamma, k);
        };
    }

    /** {@code CosineAnnealingLR}: {@code min + (base - min)(1 + cos(pi epoch / period)) / 2}. */
    static LrSchedule cosine(double base, int period, double min) {
        if (period <= 0) {
            throw new IllegalArgumentException("cosine: period must be positive, got " + period);
        }
        return epoch -> min + (base - min) * (1 + Math.cos(Math.PI * epoch / period)) / 2;
    }

    /**
     * Linear warm-up from {@code startFactor * after.lr(0)} to {@code after.lr(0)} over {@code warmup}
     * epochs (as {@code LinearLR}), then {@code after}, counted from the end of the warm-up.
     */
    static LrSchedule warmup(int warmup, double startFactor, LrSchedule after) {
        return epoch -> {
            if (epoch >= warmup) {
                return after.lr(epoch - warmup);
            }
            return after.lr(0) * (startFactor + (1 - startFactor) * epoch / (double) warmup);
        };
    }

    /** A constant rate. */
    static LrSchedule constant(double lr) {
        return epoch -> lr;
    }
}
