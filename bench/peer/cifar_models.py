"""The models and loss that the peer scripts share: the CIFAR ResNet (He et al., 2016, option B
shortcuts) as Panagrad's ResNets.create("resnetD") builds it, and the Gaussian-Taylor correlation of
the CC loss (P = 2, gamma = 0.4, rows L2-normalised)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.b1 = nn.BatchNorm2d(cout)
        s.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(cout)
        s.sc = None
        if stride != 1 or cin != cout:
            s.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(s, x):
        o = F.relu(s.b1(s.c1(x))); o = s.b2(s.c2(o))
        return F.relu(o + (x if s.sc is None else s.sc(x)))


class ResNet(nn.Module):
    def __init__(s, depth, classes=100):
        super().__init__()
        n = (depth - 2) // 6
        s.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False); s.bn = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n):
                layers.append(Block(cin, cout, stride if i == 0 else 1)); cin = cout
        s.layers = nn.Sequential(*layers); s.fc = nn.Linear(64, classes)

    def forward(s, x):
        x = s.layers(F.relu(s.bn(s.conv(x))))
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def training_step(depth, batch, device="cpu"):
    """resnet{depth} with 100 classes, SGD (lr 0.1, momentum 0.9, weight decay 5e-4) and a fixed random
    batch of 32 x 32 images, from seed 0, as Panagrad's TrainingStep: returns (model, images, step)."""
    torch.manual_seed(0)
    m = ResNet(depth).to(device)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 100, (batch,), device=device)

    def step():
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        opt.step()

    return m, x, step


CC_COEFF = [math.exp(-0.8) * 0.8 ** p / math.factorial(p) for p in range(3)]


def cc_psi(f):
    """The n x n Gaussian-Taylor correlation of the rows of f."""
    s = F.normalize(f, dim=1) @ F.normalize(f, dim=1).t()
    return CC_COEFF[0] + CC_COEFF[1] * s + CC_COEFF[2] * s * s
