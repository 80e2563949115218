"""PyTorch definitions of Panagrad's model zoo, with the same parameter names, for checking and for
moving weights between the two (see safetensors_to_torch.py and torch_to_safetensors.py).

CIFAR ResNets follow the common CIFAR-100 distillation benchmark: depth 6n + 2, basic blocks, widths
16/16/32/64 (resnet8..resnet110) or 32/64/128/256 (resnet8x4, resnet32x4), 1x1-convolution shortcuts where
the shape changes. ImageNet ResNets are torchvision's, defined here so that torchvision is not needed.
"""
import torch.nn as nn
import torch.nn.functional as F


def conv(cin, cout, k, stride=1, padding=0):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = conv(inplanes, planes, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv(planes, planes, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(conv(inplanes, planes, 1, stride), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = conv(inplanes, planes, 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv(planes, planes, 3, stride, 1)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv(planes, planes * 4, 1)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(conv(inplanes, planes * 4, 1, stride), nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, block, blocks, widths, imagenet_stem, num_classes, in_channels=3):
        super().__init__()
        if imagenet_stem:
            self.conv1 = conv(in_channels, widths[0], 7, 2, 3)
        else:
            self.conv1 = conv(in_channels, widths[0], 3, 1, 1)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1) if imagenet_stem else None
        inplanes = widths[0]
        for s, n in enumerate(blocks):
            layers = []
            for b in range(n):
                layers.append(block(inplanes, widths[s + 1], 2 if b == 0 and s > 0 else 1))
                inplanes = widths[s + 1] * block.expansion
            setattr(self, f"layer{s + 1}", nn.Sequential(*layers))
        self.num_stages = len(blocks)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def features(self, x):
        """The pooled embedding, the classifier's input (Panagrad's ResNet.Output.embedding)."""
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        for s in range(self.num_stages):
            x = getattr(self, f"layer{s + 1}")(x)
        return self.avgpool(x).flatten(1)

    def forward(self, x):
        return self.fc(self.features(x))


def create(name, num_classes=100, in_channels=3):
    cifar = {"resnet8": 8, "resnet14": 14, "resnet20": 20, "resnet32": 32, "resnet44": 44, "resnet56": 56,
             "resnet110": 110}
    if name in cifar:
        n = (cifar[name] - 2) // 6
        return ResNet(BasicBlock, [n] * 3, [16, 16, 32, 64], False, num_classes, in_channels)
    if name in ("resnet8x4", "resnet32x4"):
        n = (int(name[6:-2]) - 2) // 6
        return ResNet(BasicBlock, [n] * 3, [32, 64, 128, 256], False, num_classes, in_channels)
    imagenet = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
                "resnet50": (Bottleneck, [3, 4, 6, 3])}
    block, blocks = imagenet[name]
    return ResNet(block, blocks, [64, 64, 128, 256, 512], True, num_classes, in_channels)


NAMES = ["resnet8", "resnet14", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet8x4",
         "resnet32x4", "resnet18", "resnet34", "resnet50"]

if __name__ == "__main__":
    for n in NAMES:
        classes = 1000 if n in ("resnet18", "resnet34", "resnet50") else 100
        m = create(n, classes)
        print(n, classes, sum(p.numel() for p in m.parameters()))
