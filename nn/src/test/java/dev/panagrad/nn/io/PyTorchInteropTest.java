package dev.panagrad.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.StateDict;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model saved here is loaded into PyTorch by nn/scripts/safetensors_to_torch.py and must give the
 * same logits there. Runs where Debian's python3-torch is installed; skipped elsewhere.
 */
class PyTorchInteropTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    @TempDir
    Path dir;

    @Test
    void pyTorchComputesTheSameLogitsFromOurCheckpoint() throws Exception {
        assumeThat(torchAvailable()).as("python3-torch installed").isTrue();
        Rng rng = new Rng(11);
        ResNet net = ResNets.create("resnet8", 10, rng);
        net.forward(Tensor.randn(rng, 4, 3, 32, 32).mul(2f)); // non-trivial running statistics
        net.eval();
        Tensor x = Tensor.randn(rng, 3, 3, 32, 32);
        Tensor logits;
        try (var ignored = Grad.disabled()) {
            logits = net.forward(x);
        }
        Path model = dir.resolve("model.safetensors");
        Checkpoint.saveModel(model, net);
        Path io = dir.resolve("io.safetensors");
        SafeTensors.write(io, new StateDict().put("x", x).put("logits", logits), Map.of());
        String script = String.join("\n",
                "import sys, numpy as np, torch",
                "sys.path.insert(0, sys.argv[1])",
                "import safetensors_io, safetensors_to_torch",
                "model, _ = safetensors_to_torch.load('resnet8', sys.argv[2], 10, 3)",
                "model.eval()",
                "t, _ = safetensors_io.read(sys.argv[3])",
                "with torch.no_grad():",
                "    out = model(torch.from_numpy(t['x'])).numpy()",
                "print(float(np.abs(out - t['logits']).max()))");
        Path scripts = Path.of("scripts").toAbsolutePath();
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", script, scripts.toString(), model.toString(), io.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(Double.parseDouble(output.lines().reduce((a, b) -> b).orElseThrow())).isLessThan(1e-4);
    }

    private static boolean torchAvailable() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
