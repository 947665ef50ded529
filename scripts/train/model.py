"""Compact ResNet-style classifier for the kiosk packaging model.

Stem 3x3/2 conv + 2x2 max-pool (stride 4 overall), then four stages of one basic residual block each
(widths 32, 64, 128, 192; stride 2 from the second stage on), global average pool, dropout, linear.
About 0.89 M parameters (3.55 MB float32 ONNX) and 45.8 M multiply-adds at 128x96; ~0.7-0.85 ms per image with
onnxruntime-node, one thread, on the 2-core development machine. Plain 3x3 convolutions were chosen over
depthwise-separable blocks because they train about 3x faster with PyTorch on CPU at equal ONNX latency.
"""
import torch.nn as nn


def conv_bn_relu(cin, cout, k=3, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn_relu(cin, cout, 3, stride)
        self.conv2 = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        if stride == 1 and cin == cout:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class KioskNet(nn.Module):
    def __init__(self, num_classes, widths=(32, 64, 128, 192), dropout=0.2):
        super().__init__()
        self.stem = nn.Sequential(conv_bn_relu(3, widths[0], 3, 2), nn.MaxPool2d(2))
        blocks = []
        cin = widths[0]
        for i, w in enumerate(widths):
            blocks.append(BasicBlock(cin, w, 1 if i == 0 else 2))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Zero-init the last BN of each residual branch: every block starts as identity (helps from scratch).
        for b in self.blocks:
            nn.init.zeros_(b.conv2[1].weight)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        x = self.pool(x).flatten(1)
        return self.fc(self.dropout(x))


def count_params(model):
    return sum(p.numel() for p in model.parameters())
