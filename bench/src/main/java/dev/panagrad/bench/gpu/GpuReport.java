package dev.panagrad.bench.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code OUT/gpu-results.md} from what a run of {@code bench/gpu/run.sh} left in {@code OUT}: the
 * machine and driver report ({@code machine.txt}), the backend's description, the kernel contract's
 * summary, and one table of every workload with Panagrad's OpenCL and CPU rows beside PyTorch CUDA's
 * (fp32 with TF32 off, and TF32 on). Ratios are speed ratios, Panagrad over PyTorch: above 1 is faster.
 * Usage: {@code GpuReport OUT}.
 */
public final class GpuReport {
    static final String OPENCL = "panagrad opencl";
    /** Workloads of one convolution layer's pass, which only the table of the two algorithms lists. */
    static final String LAYER = "conv ";
    /** The OpenCL backend with its convolutions through column matrices (im2col), timed beside the default. */
    static final String OPENCL_COLUMNS = "panagrad opencl columns";
    static final String CPU = "panagrad cpu";
    static final String TORCH_FP32 = "torch cuda fp32";
    static final String TORCH_TF32 = "torch cuda tf32";

    private GpuReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: GpuReport OUTDIR");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Path md = out.resolve("gpu-results.md");
        Files.writeString(md, render(out));
        System.out.println("wrote " + md);
    }

    /** The report's text for the files in {@code out}; missing files are reported as missing. */
    static String render(Path out) throws IOException {
        List<Measurement> all = new ArrayList<>();
        all.addAll(read(out.resolve("panagrad.tsv")));
        all.addAll(read(out.resolve("torch.tsv")));
        StringBuilder sb = new StringBuilder("# Panagrad on an OpenCL device, beside PyTorch CUDA\n\n");
        sb.append("## Machine\n\n```\n").append(text(out.resolve("machine.txt"), "(machine.txt missing)").strip())
                .append("\n```\n\n");
        sb.append("Backend: ").append(text(out.resolve("backend.txt"), "(not created)").strip()).append("\n\n");
        sb.append("Kernel contract (every OpenCL kernel against the scalar oracle): ")
                .append(String.join("; ", summaries(text(out.resolve("contract.txt"), "not run")))).append("\n\n");
        String torch = text(out.resolve("torch.txt"), "").strip();
        if (!torch.isEmpty()) {
            sb.append("PyTorch: ").append(torch.replace("\n", "; ")).append("\n\n");
        }
        sb.append("## Workloads\n\n");
        sb.append("Wall-clock time per run after one warm-up run, mean over at least 3 runs and 2 s (PyTorch: 1 s). ");
        sb.append("Ratios: Panagrad OpenCL over PyTorch, as speed (above 1: Panagrad is faster).\n\n");
        sb.append("| workload | unit | panagrad opencl | panagrad cpu | torch fp32 | ratio | torch tf32 | ratio |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        Map<String, Map<String, Measurement>> byWorkload = new LinkedHashMap<>();
        for (Measurement m : all) {
            byWorkload.computeIfAbsent(m.workload(), k -> new LinkedHashMap<>()).put(m.engine(), m);
        }
        for (var row : byWorkload.entrySet()) {
            if (row.getKey().startsWith(LAYER)) {
                continue; // single layers: in the table of the two convolution algorithms
            }
            Map<String, Measurement> e = row.getValue();
            Measurement ours = e.get(OPENCL);
            String unit = e.values().stream().map(Measurement::unit).filter(u -> !u.isEmpty()).findFirst().orElse("");
            sb.append("| ").append(row.getKey()).append(" | ").append(unit)
                    .append(" | ").append(cell(ours))
                    .append(" | ").append(cell(e.get(CPU)))
                    .append(" | ").append(cell(e.get(TORCH_FP32)))
                    .append(" | ").append(ratio(ours, e.get(TORCH_FP32)))
                    .append(" | ").append(cell(e.get(TORCH_TF32)))
                    .append(" | ").append(ratio(ours, e.get(TORCH_TF32))).append(" |\n");
        }
        for (var row : byWorkload.entrySet()) {
            Measurement gpu = row.getValue().get(OPENCL);
            Measurement cpu = row.getValue().get(CPU);
            if (ran(gpu) && ran(cpu)) {
                sb.append(String.format(Locale.ROOT, "%nOpenCL over this machine's CPU path (%s), %s: %s%n",
                        cpu.note(), row.getKey(), ratio(gpu, cpu)));
            }
        }
        StringBuilder algorithms = new StringBuilder();
        for (var row : byWorkload.entrySet()) {
            Measurement implicit = row.getValue().get(OPENCL);
            Measurement columns = row.getValue().get(OPENCL_COLUMNS);
            if (columns != null) {
                Measurement peer = row.getValue().get(TORCH_FP32);
                algorithms.append("| ").append(row.getKey()).append(" | ").append(cell(implicit)).append(" | ")
                        .append(cell(columns)).append(" | ").append(ratio(implicit, columns)).append(" | ")
                        .append(cell(peer)).append(" | ").append(ratio(implicit, peer)).append(" | ")
                        .append(ran(implicit) ? implicit.note() : "").append(" | ")
                        .append(ran(columns) ? columns.note() : "").append(" |\n");
            }
        }
        if (!algorithms.isEmpty()) {
            sb.append("\n## The two convolution algorithms\n\n");
            sb.append("Implicit (the default): one GEMM per convolution whose operands are read where they lie. ");
            sb.append("Columns: im2col, GEMM and col2im through column matrices in the arena. ");
            sb.append("Ratios: implicit over columns, and implicit over PyTorch fp32 (cuDNN for the single layers), ");
            sb.append("as speed. The single layers (GFLOPS of the convolution's multiply-adds) show which algorithm ");
            sb.append("each shape should take on this device, and how far each is from cuDNN.\n\n");
            sb.append("| workload | implicit | columns | ratio | torch fp32 | ratio | implicit: arena, launches ");
            sb.append("| columns: arena, launches |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---|---|\n").append(algorithms);
        }
        String profile = text(out.resolve("profile.md"), "").strip();
        if (!profile.isEmpty()) {
            sb.append("\n## Where a training step's time goes\n\n").append(profile).append('\n');
        }
        return sb.toString();
    }

    private static boolean ran(Measurement m) {
        return m != null && !Double.isNaN(m.value());
    }

    private static String cell(Measurement m) {
        if (m == null) {
            return "-";
        }
        if (!ran(m)) {
            return m.note().isEmpty() ? "not run" : m.note();
        }
        return number(m.value());
    }

    /** Speed of {@code ours} over {@code theirs}: value ratio for rates, inverted for times. */
    static String ratio(Measurement ours, Measurement theirs) {
        if (!ran(ours) || !ran(theirs)) {
            return "-";
        }
        double r = ours.higherIsBetter() ? ours.value() / theirs.value() : theirs.value() / ours.value();
        return String.format(Locale.ROOT, "%.2fx", r);
    }

    private static String number(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.3g", v);
    }

    private static List<Measurement> read(Path file) throws IOException {
        List<Measurement> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(Measurement.parse(line));
            }
        }
        return out;
    }

    private static String text(Path file, String missing) throws IOException {
        return Files.exists(file) ? Files.readString(file) : missing;
    }

    /** The contract's summary lines ("kernel contract on ..."), or its last line when it has none. */
    private static List<String> summaries(String text) {
        String[] lines = text.strip().split("\n");
        List<String> found = java.util.Arrays.stream(lines).filter(l -> l.startsWith("kernel contract on")).toList();
        return found.isEmpty() ? List.of(lines[lines.length - 1]) : found;
    }
}
