"""Thermal: M members of ThermalDeepNet's design trained at once as one network whose convolutions have M groups.

Member m reads input channel m and has its own weights, batch-norm statistics, shuffling and augmentation, so the
members are M independent networks that share each kernel launch (on a GPU the group costs little more than one
member). Served as one model: `MemberMean` feeds the image to every member and returns the log of their mean
probability, so the combiner sees one member whose softmax is the members' average.
"""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..common import checkpoint
from ..common.fit import cosine_lr
from .model import ThermalDeepNet

N_CLASSES = 12
HEIGHT, WIDTH = 40, 24


class GConvBN(nn.Sequential):
    def __init__(self, cin, cout, groups, stride=1, k=3, relu=True):
        layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        super().__init__(*(layers + [nn.ReLU(inplace=True)] if relu else layers))


class GResBlock(nn.Module):
    def __init__(self, cin, cout, stride, groups):
        super().__init__()
        self.c1 = GConvBN(cin, cout, groups, stride)
        self.c2 = GConvBN(cout, cout, groups, relu=False)
        self.skip = (nn.Identity() if stride == 1 and cin == cout else
                     GConvBN(cin, cout, groups, stride, k=1, relu=False))

    def forward(self, x):
        return torch.relu(self.c2(self.c1(x)) + self.skip(x))


class GroupedDeepNet(nn.Module):
    """M independent ThermalDeepNet members. Input float pixel values [B, M, 40, 24] (channel m for member m);
    output logits [B, M, 12]."""

    def __init__(self, members, width, pixel_mean, pixel_std, blocks=(2, 2, 2)):
        super().__init__()
        self.m = members
        self.register_buffer('pixel_mean', torch.tensor(float(pixel_mean)))
        self.register_buffer('pixel_std', torch.tensor(float(pixel_std)))
        self.stem = GConvBN(members, members * width, members)
        layers, cin = [], width
        for stage, n in enumerate(blocks):
            cout = width * 2 ** stage
            for j in range(n):
                layers.append(GResBlock(members * cin, members * cout, 2 if stage > 0 and j == 0 else 1, members))
                cin = cout
        self.body = nn.Sequential(*layers)
        self.c = cin
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Conv1d(members * 2 * cin, members * N_CLASSES, 1, groups=members)

    def forward(self, x):
        x = (x - self.pixel_mean) / self.pixel_std
        f = self.body(self.stem(x))
        b = f.shape[0]
        pooled = torch.stack([f.mean(dim=(2, 3)).view(b, self.m, self.c), f.amax(dim=(2, 3)).view(b, self.m, self.c)],
                             2).reshape(b, self.m * 2 * self.c, 1)
        return self.fc(self.drop(pooled)).view(b, self.m, N_CLASSES)


class MemberMean(nn.Module):
    """The served form: UINT8 [N, 1, 40, 24] -> LOGITS [N, 12] = log of the members' mean softmax."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    @property
    def pixel_mean(self):
        return self.net.pixel_mean

    @property
    def pixel_std(self):
        return self.net.pixel_std

    def forward(self, x):
        x = x.float().expand(-1, self.net.m, -1, -1)
        logp = torch.log_softmax(self.net(x), dim=2)
        return torch.logsumexp(logp, dim=1) - math.log(self.net.m)


def _member_slice(net, lo, hi):
    """The state of members lo..hi-1 of a GroupedDeepNet: every per-member tensor is split along its first
    dimension, member by member; the pixel statistics and batch counters are shared."""
    out = {}
    for key, v in net.state_dict().items():
        if key.endswith('num_batches_tracked') or key in ('pixel_mean', 'pixel_std'):
            out[key] = v.clone()
        else:
            n = v.shape[0] // net.m
            out[key] = v[lo * n:hi * n].clone()
    return out


def member_state_dict(net, k):
    """Member k of a GroupedDeepNet as a state dict of trainer.thermal.model.ThermalDeepNet (same width, blocks)."""
    out = _member_slice(net, k, k + 1)
    out['fc.weight'] = out['fc.weight'].view(N_CLASSES, -1)   # grouped Conv1d [12, 2c, 1] -> Linear [12, 2c]
    return out


def served_count(spec):
    """How many of the grouped member's networks the served graph holds."""
    return spec.get('serve_members') or spec['members']


def first_members(net, k):
    """A GroupedDeepNet holding only the first k members of `net` (same weights), in eval mode: a cheaper served
    model from the same training (HP['grouped']['serve_members'])."""
    if not 1 <= k <= net.m:
        raise ValueError(f'serve_members must be between 1 and {net.m}, got {k}')
    blocks, width = _shape(net)
    sub = GroupedDeepNet(k, width, 0.0, 1.0, blocks)
    sub.load_state_dict(_member_slice(net, 0, k))
    return sub.eval()


def _shape(net):
    """(blocks per stage, width) of a GroupedDeepNet."""
    blocks = []
    for layer in net.body:
        if layer.c1[0].stride[0] == 2 or not blocks:
            blocks.append(0)
        blocks[-1] += 1
    return tuple(blocks), net.stem[0].out_channels // net.m


def member(net, k):
    """Member k as a ThermalDeepNet in eval mode."""
    blocks, width = _shape(net)
    single = ThermalDeepNet(N_CLASSES, width, 0.0, 1.0, blocks)
    single.load_state_dict(member_state_dict(net, k))
    return single.eval()


def augment(xb, g, offset_jitter=0.0):
    """uint8 [B,1,40,24] on any device -> float pixel values: flips, +-2 px shifts (edge padding), gain 0.9..1.1
    around the image mean, optional +-offset_jitter grey-level offset; rounded and clipped to 0..255."""
    b = xb.shape[0]
    x = xb.float()
    hf = torch.rand(b, device=x.device, generator=g) < 0.5
    vf = torch.rand(b, device=x.device, generator=g) < 0.5
    x = torch.where(hf[:, None, None, None], x.flip(3), x)
    x = torch.where(vf[:, None, None, None], x.flip(2), x)
    p = F.pad(x, (2, 2, 2, 2), mode='replicate')
    dy = torch.randint(0, 5, (b,), device=x.device, generator=g)
    dx = torch.randint(0, 5, (b,), device=x.device, generator=g)
    iy = dy[:, None] + torch.arange(HEIGHT, device=x.device)[None]
    ix = dx[:, None] + torch.arange(WIDTH, device=x.device)[None]
    bi = torch.arange(b, device=x.device)[:, None, None]
    x = p[:, 0][bi, iy[:, :, None], ix[:, None, :]][:, None]
    gain = 0.9 + 0.2 * torch.rand(b, 1, 1, 1, device=x.device, generator=g)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * gain + mean
    if offset_jitter:
        x = x + (torch.rand(b, 1, 1, 1, device=x.device, generator=g) * 2 - 1) * offset_jitter
    return x.round().clamp(0, 255)


def fit_grouped(x, y, tr, va, ckpt_dir, spec, seed, weights, *, batch, weight_decay, label_smoothing, log,
                device='cpu', precision='bf16'):
    """Trains spec['members'] members for spec['epochs'] epochs (AdamW, one warm-up epoch then cosine, peak
    spec['lr']); every epoch's shuffling and augmentation come from a generator seeded with (seed, epoch), and a
    checkpoint is written after each epoch, so an interrupted run resumes where it stopped. Returns MemberMean in
    eval mode on the CPU."""
    dev = torch.device(device)
    if dev.type == 'cuda':
        # Speed over bitwise repeatability on a GPU: cuDNN picks its fastest grouped-convolution kernels.
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.benchmark = True
    m, epochs, name = spec['members'], spec['epochs'], spec['name']
    xtr_np = x[tr]
    torch.manual_seed(seed)
    net = GroupedDeepNet(m, spec['width'], float(xtr_np.mean()), float(xtr_np.std()), tuple(spec['blocks']))
    opt = torch.optim.AdamW(net.parameters(), lr=spec['lr'], weight_decay=weight_decay)
    start = 0
    state = checkpoint.load(ckpt_dir, name)
    if state is not None:
        net.load_state_dict(state['model'])   # a compact checkpoint (compact()) holds fp16 weights: cast back here
        start = state['epoch']
        if start < epochs and 'opt' not in state:
            raise ValueError(f'{name}: checkpoint at epoch {start} of {epochs} has no optimizer state to resume')
        log(f'resumed {name} at epoch {start}/{epochs}')
    if start < epochs and dev.type == 'cpu' and m * epochs >= 100:
        log(f'{name}: training {m} members for {epochs - start} epochs on the CPU takes hours (about 9 core-hours '
            f'for 8 x 120); a CUDA GPU takes minutes (--device cuda)')
    net.to(dev).to(memory_format=torch.channels_last)
    if state is not None and 'opt' in state:
        opt.load_state_dict(state['opt'])
    xtr, ytr = torch.from_numpy(xtr_np).to(dev), torch.from_numpy(y[tr]).to(dev)
    w = weights.to(dev)
    steps = len(tr) // batch
    autocast = dict(device_type=dev.type, dtype=torch.bfloat16, enabled=precision == 'bf16')
    g = torch.Generator(device=dev)
    for epoch in range(start, epochs):
        net.train()
        g.manual_seed(seed * 1000 + epoch)
        torch.manual_seed(seed * 1000 + epoch)   # dropout draws from the global generator
        t0, total = time.time(), torch.zeros((), device=dev)
        perms = torch.stack([torch.randperm(len(tr), device=dev, generator=g) for _ in range(m)], 1)   # [n, M]
        for i in range(steps):
            idx = perms[i * batch:(i + 1) * batch]                                   # [B, M]: member m's images
            xb = augment(xtr[idx.reshape(-1)], g, spec.get('offset_jitter', 0.0))   # [B*M, 1, 40, 24]
            xb = xb.view(batch, m, HEIGHT, WIDTH).contiguous(memory_format=torch.channels_last)
            for pg in opt.param_groups:
                pg['lr'] = cosine_lr(spec['lr'], epoch + i / steps, epochs)
            with torch.autocast(**autocast):
                logits = net(xb).float()
            loss = F.cross_entropy(logits.reshape(-1, N_CLASSES), ytr[idx].reshape(-1), weight=w,
                                   label_smoothing=label_smoothing) * m
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        msg = f'{name} epoch {epoch + 1}/{epochs} loss {float(total) / steps / m:.4f} {time.time() - t0:.1f}s'
        if (epoch + 1) % 10 == 0 or epoch + 1 == epochs:
            acc = (member_logits(net, x[va], dev).argmax(2) == y[va][None]).mean(1)
            msg += f' val acc members {acc.mean():.4f} (min {acc.min():.4f} max {acc.max():.4f})'
        log(msg)
        cpu_state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        checkpoint.save(ckpt_dir, name, {'model': cpu_state, 'opt': opt.state_dict(), 'epoch': epoch + 1})
    return MemberMean(net.to('cpu').to(memory_format=torch.contiguous_format)).eval()


def compact(ckpt_dir, name, out_path):
    """A finished checkpoint without its optimizer state and with fp16 weights (a quarter of its size), for
    carrying trained members between machines; fit_grouped resumes from it as from a finished run."""
    state = checkpoint.load(ckpt_dir, name)
    small = {k: (v.half() if v.is_floating_point() else v) for k, v in state['model'].items()}
    torch.save({'model': small, 'epoch': state['epoch']}, out_path)


@torch.no_grad()
def member_logits(net, x, device='cpu', batch=1024):
    """uint8 [N,1,40,24] numpy -> each member's logits [M, N, 12] (float32 numpy), in eval mode (fp32)."""
    was_training = net.training
    net.eval()
    outs = []
    for k in range(0, len(x), batch):
        xb = torch.from_numpy(x[k:k + batch]).to(device).float().expand(-1, net.m, -1, -1)
        outs.append(net(xb.contiguous(memory_format=torch.channels_last)).float().cpu())
    net.train(was_training)
    return torch.cat(outs).permute(1, 0, 2).numpy()


def val_report(model, x, y, va):
    """Validation figures of a fitted MemberMean: each member's accuracy and the mean probability's accuracy."""
    lg = member_logits(model.net, x[va])
    acc = (lg.argmax(2) == y[va][None]).mean(1)
    mean_p = np.exp(lg - lg.max(2, keepdims=True))
    mean_p = (mean_p / mean_p.sum(2, keepdims=True)).mean(0)
    return {'members': [round(float(a), 4) for a in acc], 'ensemble': round(float((mean_p.argmax(1) == y[va]).mean()), 4)}
