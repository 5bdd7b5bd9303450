"""Test-time augmentation inside an exported graph: a classifier's outputs averaged over the image and flips of it."""
import torch
from torch import nn


class FlipMean(nn.Module):
    """The mean of `net`'s outputs over the image and the given flips of it ('h' horizontal, 'v' vertical, 'hv'
    both), so the served model needs nothing extra. A second output that is a map (a heatmap [N, 1, H, W]) is
    flipped back before it is averaged, so it stays in image coordinates. Other attributes (normalization constants
    the export reads) are the wrapped network's."""
    FLIPS = {'h': (3,), 'v': (2,), 'hv': (2, 3)}

    def __init__(self, net, flips=('h',)):
        super().__init__()
        self.net = net
        self.dims = [list(self.FLIPS[f]) for f in flips]

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__('net'), name)

    def forward(self, x):
        out = self.net(x)
        n = len(self.dims) + 1
        if isinstance(out, tuple):
            logits, heat = out
            for dims in self.dims:
                lg, ht = self.net(torch.flip(x, dims))
                logits, heat = logits + lg, heat + torch.flip(ht, dims)
            return logits / n, heat / n
        for dims in self.dims:
            out = out + self.net(torch.flip(x, dims))
        return out / n
