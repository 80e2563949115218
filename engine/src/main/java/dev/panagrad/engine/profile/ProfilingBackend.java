package dev.panagrad.engine.profile;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.ConvGeometry;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A backend that runs every kernel on another backend and records each call's time in
 * {@link KernelTimes}. It is a {@link Proxy} of {@link Backend}: every kernel, including any added to
 * the interface later, is timed without a wrapper written for it. Two tables below say what is particular
 * to some kernels: the row they go to, and the floating-point operations they do.
 */
public final class ProfilingBackend implements InvocationHandler {
    /**
     * Kernels whose row says more than the method's name: the operator, the softmax kind, and for
     * convolutions the pass and the layer shape (the same kernel runs at very different speeds on 32 x 32
     * and 8 x 8 planes). Arguments by position in {@link Backend}'s signatures.
     */
    private static final Map<String, Function<Object[], String>> ROWS = Map.of(
            "unary", a -> "unary " + a[0],
            "unaryBackward", a -> "unaryBackward " + a[0],
            "binary", a -> "binary " + a[0],
            "reduce", a -> "reduce " + a[0],
            "softmax", a -> (boolean) a[5] ? "logSoftmax" : "softmax",
            "softmaxBackward", a -> (boolean) a[6] ? "logSoftmaxBackward" : "softmaxBackward",
            "conv2d", a -> convRow("conv2d", (ConvGeometry) a[0]),
            "conv2dBackwardInput", a -> convRow("conv2dBackwardInput", (ConvGeometry) a[0]),
            "conv2dBackwardWeight", a -> convRow("conv2dBackwardWeight", (ConvGeometry) a[0]));

    /** Floating-point operations of the kernels that count them; a multiply-add counts two. */
    private static final Map<String, ToDoubleFunction<Object[]>> FLOPS = Map.of(
            "axpy", a -> 2.0 * (int) a[0],
            "gemm", a -> 2.0 * (int) a[2] * (int) a[3] * (int) a[4],
            "gemmBatched", a -> 2.0 * (int) a[0] * (int) a[3] * (int) a[4] * (int) a[5],
            "conv2d", a -> convFlops((ConvGeometry) a[0]),
            "conv2dBackwardInput", a -> convFlops((ConvGeometry) a[0]),
            "conv2dBackwardWeight", a -> convFlops((ConvGeometry) a[0]));

    /** Methods that describe the backend instead of computing: passed through untimed. */
    private static final Set<String> NOT_KERNELS = Set.of("name", "describe");

    private final Backend delegate;
    private final KernelTimes times;

    private ProfilingBackend(Backend delegate, KernelTimes times) {
        this.delegate = delegate;
        this.times = times;
    }

    /** {@code inner}, with every kernel call recorded in {@code times}. */
    public static Backend wrap(Backend inner, KernelTimes times) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                new ProfilingBackend(inner, times));
    }

    /** Whether {@code backend} was made by {@link #wrap}. */
    public static boolean isProfiled(Backend backend) {
        return Proxy.isProxyClass(backend.getClass()) && Proxy.getInvocationHandler(backend) instanceof ProfilingBackend;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> delegate.describe() + ", profiled";
            };
        }
        if (name.equals("describe")) {
            return delegate.describe() + ", profiled";
        }
        if (NOT_KERNELS.contains(name)) {
            return call(method, args);
        }
        long start = System.nanoTime();
        Object result = call(method, args);
        long nanos = System.nanoTime() - start;
        Function<Object[], String> row = ROWS.get(name);
        ToDoubleFunction<Object[]> flops = FLOPS.get(name);
        times.record(row == null ? name : row.apply(args), nanos, flops == null ? 0 : flops.applyAsDouble(args));
        return result;
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static String convRow(String pass, ConvGeometry g) {
        return pass + " " + g.kernelH() + "x" + g.kernelW() + " " + g.inChannels() + "->" + g.outChannels() + " on "
                + g.inH() + "x" + g.inW() + (g.strideH() == 1 && g.strideW() == 1 ? "" : " stride " + g.strideH());
    }

    private static double convFlops(ConvGeometry g) {
        return 2.0 * g.batch() * g.outChannels() * g.outH() * g.outW() * g.patchSize();
    }
}
