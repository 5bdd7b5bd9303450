"""Small residual CNN for 40 x 24 thermal images; UINT8 in, normalization inside the graph."""
import torch
from torch import nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = conv_bn(cin, cout, stride)
        self.c2 = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.skip = (nn.Identity() if stride == 1 and cin == cout else
                     nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)))

    def forward(self, x):
        return torch.relu(self.c2(self.c1(x)) + self.skip(x))


class ThermalNet(nn.Module):
    """Input: UINT8 [N, 1, 40, 24] (or FP32 pixel values 0..255). Output: 12 class logits."""

    def __init__(self, n_classes=12, width=32, pixel_mean=128.0, pixel_std=64.0):
        super().__init__()
        w = width
        self.register_buffer('pixel_mean', torch.tensor(float(pixel_mean)))
        self.register_buffer('pixel_std', torch.tensor(float(pixel_std)))
        self.stem = conv_bn(1, w)
        self.stage1 = ResBlock(w, w, 1)              # 40 x 24
        self.stage2 = ResBlock(w, 2 * w, 2)          # 20 x 12
        self.stage3 = ResBlock(2 * w, 4 * w, 2)      # 10 x 6
        self.stage4 = ResBlock(4 * w, 4 * w, 1)      # 10 x 6
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(8 * w, n_classes)

    def forward(self, x):
        x = (x.float() - self.pixel_mean) / self.pixel_std
        x = self.stage4(self.stage3(self.stage2(self.stage1(self.stem(x)))))
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        return self.fc(self.drop(pooled))


class ThermalDeepNet(nn.Module):
    """A deeper second member: two residual blocks per stage at 40 x 24, 20 x 12 and 10 x 6 (widths w, 2w, 4w),
    global mean and max pooling. Same input contract as ThermalNet (UINT8 [N, 1, 40, 24], normalized inside)."""

    def __init__(self, n_classes=12, width=32, pixel_mean=128.0, pixel_std=64.0, blocks=(2, 2, 2)):
        super().__init__()
        self.register_buffer('pixel_mean', torch.tensor(float(pixel_mean)))
        self.register_buffer('pixel_std', torch.tensor(float(pixel_std)))
        self.stem = conv_bn(1, width)
        layers, cin = [], width
        for stage, n in enumerate(blocks):
            cout = width * 2 ** stage
            for j in range(n):
                layers.append(ResBlock(cin, cout, 2 if stage > 0 and j == 0 else 1))
                cin = cout
        self.body = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(2 * cin, n_classes)

    def forward(self, x):
        x = (x.float() - self.pixel_mean) / self.pixel_std
        x = self.body(self.stem(x))
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        return self.fc(self.drop(pooled))
