"""Peer reference: one CCKD training step in PyTorch, as bench's CckdStep: a ResNet-50 teacher's forward
under no_grad, a ResNet-18 student's forward and backward with 0.1 CE + 0.9 KD (tau 4, times tau^2) +
0.003 CC (Gaussian-Taylor, P = 2, gamma = 0.4) on 256-d embeddings (the student's through a trainable
map, the teacher's through a fixed random one), and SGD (lr 0.05, momentum 0.9, weight decay 5e-4).
Batch 40 of 3 x 256 x 128 images, 751 classes. The models are torchvision's, from nn/scripts/torch_models.py.
Usage: /usr/bin/python3 torch_cckd_step.py [steps=3] [warmup=1] [batch=40] [threads=2]
Prints 'step_s= teacher_s= student_s=' and the peak resident set."""
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nn", "scripts"))
from torch_models import create  # noqa: E402
from cifar_models import cc_psi  # noqa: E402

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 1
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 40
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
ALPHA, TAU, BETA, CLASSES = 0.1, 4.0, 0.003, 751

rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
torch.manual_seed(0)
teacher = create("resnet50", CLASSES).eval()
student = create("resnet18", CLASSES)
student_map = nn.Linear(512, 256, bias=False)
teacher_map = nn.Linear(2048, 256, bias=False).requires_grad_(False)
opt = torch.optim.SGD(list(student.parameters()) + list(student_map.parameters()), lr=0.05, momentum=0.9,
                      weight_decay=5e-4)
x = torch.randn(batch, 3, 256, 128)
y = torch.randint(0, CLASSES, (batch,))


totals = [0.0, 0.0]


def step():
    start = time.perf_counter()
    with torch.no_grad():
        ft = teacher.features(x)
        zt, et = teacher.fc(ft), teacher_map(ft)
    taught = time.perf_counter()
    fs = student.features(x)
    zs = student.fc(fs)
    kd = F.kl_div(F.log_softmax(zs / TAU, 1), F.softmax(zt / TAU, 1), reduction="batchmean") * TAU * TAU
    cc = ((cc_psi(student_map(fs)) - cc_psi(et)) ** 2).mean()
    loss = ALPHA * F.cross_entropy(zs, y) + (1 - ALPHA) * kd + BETA * cc
    opt.zero_grad()
    loss.backward()
    opt.step()
    done = time.perf_counter()
    totals[0] += taught - start
    totals[1] += done - taught
    return loss.item()


for _ in range(warmup):
    step()
totals[:] = [0.0, 0.0]
for _ in range(steps):
    loss = step()
print(f"torch cckd resnet50->resnet18 batch={batch} 256x128: step_s={(totals[0] + totals[1]) / steps:.3f} "
      f"teacher_s={totals[0] / steps:.3f} student_s={totals[1] / steps:.3f} loss={loss:.4f}")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(f"torch cckd memory: rss_after_import_MB={rss_before * 1024 / 1e6:.1f} peak_rss_MB={peak * 1024 / 1e6:.1f}")
