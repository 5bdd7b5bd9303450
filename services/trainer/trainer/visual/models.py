"""Two diverse visual classifiers, both fully convolutional, UINT8 [N,1,256,256] in.

SegNet (classifier A + localization): a small encoder-decoder trained on the pixel masks (per-pixel classes:
background + 5 defect types) at stride 4; the image-level head reads pooled statistics of its probability map.
PatchNet (classifier B): a patch classifier trained on 64 x 64 patches with image-level labels, applied to the
whole image as a sliding window (average/max pooling with the patch's footprint), pooled the same way.
"""
import torch
from torch import nn
import torch.nn.functional as F

N_CLASSES = 6          # image classes, in CLASS_NAMES order
FREE_INDEX = 4         # index of 'Free' in CLASS_NAMES
N_PIXEL_CLASSES = 6    # 0 = background, 1..5 = defect classes (CLASS_NAMES without Free, in order)
PIXEL_TO_IMAGE = [0, 1, 2, 3, 5]  # pixel class k+1 -> image class index


def cbr(cin, cout, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Normalize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer('mean', torch.tensor(float(mean)))
        self.register_buffer('std', torch.tensor(float(std)))

    def forward(self, x):
        return (x.float() - self.mean) / self.std


def pooled_features(prob_map, topk_frac=0.02):
    """prob_map [N,C,H,W] -> [N, 3C]: max, mean and mean of top 2 % per channel."""
    flat = prob_map.flatten(2)
    k = max(1, int(flat.shape[2] * topk_frac))
    top = flat.topk(k, dim=2).values.mean(2)
    return torch.cat([flat.amax(2), flat.mean(2), top], dim=1)


class ImageHead(nn.Module):
    """Standardize pooled features and apply a linear (logistic regression) layer -> 6 image logits."""

    def __init__(self, n_features):
        super().__init__()
        self.register_buffer('mu', torch.zeros(n_features))
        self.register_buffer('sd', torch.ones(n_features))
        self.linear = nn.Linear(n_features, N_CLASSES)

    def forward(self, feats):
        return self.linear((feats - self.mu) / self.sd)


class SegNet(nn.Module):
    def __init__(self, mean=128.0, std=40.0, w=16):
        super().__init__()
        self.norm = Normalize(mean, std)
        self.e1 = nn.Sequential(cbr(1, w, 2), cbr(w, w))                    # 128
        self.e2 = nn.Sequential(cbr(w, 2 * w, 2), cbr(2 * w, 2 * w))        # 64
        self.e3 = nn.Sequential(cbr(2 * w, 4 * w, 2), cbr(4 * w, 4 * w))    # 32
        self.e4 = nn.Sequential(cbr(4 * w, 4 * w, 2), cbr(4 * w, 4 * w, dilation=2),
                                cbr(4 * w, 4 * w, dilation=4))             # 16
        self.d3 = cbr(8 * w, 4 * w)
        self.d2 = cbr(6 * w, 2 * w)
        self.out = nn.Conv2d(2 * w, N_PIXEL_CLASSES, 1)
        self.head = ImageHead(3 * N_PIXEL_CLASSES)

    def pixel_logits(self, x):
        x = self.norm(x)
        f2 = self.e2(self.e1(x))
        f3 = self.e3(f2)
        f4 = self.e4(f3)
        u3 = self.d3(torch.cat([f3, F.interpolate(f4, scale_factor=2.0, mode='nearest')], 1))
        u2 = self.d2(torch.cat([f2, F.interpolate(u3, scale_factor=2.0, mode='nearest')], 1))
        return self.out(u2)                                                 # [N,6,H/4,W/4]

    def features(self, x):
        prob = torch.softmax(self.pixel_logits(x), 1)
        return pooled_features(prob), 1.0 - prob[:, :1]

    def forward(self, x):
        feats, heatmap = self.features(x)
        return self.head(feats), heatmap


class PatchNet(nn.Module):
    PATCH = 64
    STRIDE = 8

    def __init__(self, mean=128.0, std=40.0, w=24, pad=0, pad_value=None):
        super().__init__()
        self.norm = Normalize(mean, std)
        # pad > 0: the whole image is padded outwards by `pad` pixels before the sliding window, so a defect on the
        # image's border lies inside some windows instead of only at their edge (training crops come from images
        # padded the same way). Patches in training are not padded again. pad_value None: mirrored; a number: that
        # constant in normalized units, chosen outside the range any pixel maps to, so the network can tell the
        # image's own border from texture (training patches mark their outside pixels as NaN; patch_logits).
        self.pad = int(pad)
        self.pad_value = None if pad_value is None else float(pad_value)
        self.trunk = nn.Sequential(cbr(1, w), cbr(w, w, 2),                      # /2
                                   cbr(w, 2 * w), cbr(2 * w, 2 * w, 2),          # /4
                                   cbr(2 * w, 4 * w), cbr(4 * w, 4 * w, 2),      # /8
                                   cbr(4 * w, 4 * w), cbr(4 * w, 4 * w))
        self.fc = nn.Conv2d(8 * w, N_CLASSES, 1)
        self.head = ImageHead(3 * N_CLASSES)
        self.window = self.PATCH // self.STRIDE

    def windows(self, z):
        """Class logits of every 64 x 64 window of a normalized input; a 64 x 64 patch is a single window."""
        f = self.trunk(z)
        k = self.window
        pooled = torch.cat([F.avg_pool2d(f, k, 1), F.max_pool2d(f, k, 1)], 1)
        return self.fc(pooled)

    def window_logits(self, x):
        """Per-window class logits over a whole image (padded first when pad > 0: mirrored, or with pad_value)."""
        z = self.norm(x)
        if self.pad and self.pad_value is None:
            z = F.pad(z, [self.pad] * 4, mode='reflect')
        elif self.pad:
            z = F.pad(z, [self.pad] * 4, mode='constant', value=self.pad_value)
        return self.windows(z)

    def patch_logits(self, x):
        """The patch classifier: one 64 x 64 training patch -> class logits. With a constant pad_value, NaN pixels
        of a (float) patch lie outside the image and take that value."""
        z = self.norm(x)
        if self.pad_value is not None:
            z = torch.where(torch.isnan(z), torch.full_like(z, self.pad_value), z)
        return self.windows(z).flatten(2).mean(2)

    def features(self, x):
        return pooled_features(torch.softmax(self.window_logits(x), 1))

    def forward(self, x):
        return self.head(self.features(x))
