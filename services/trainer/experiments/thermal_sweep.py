"""Thermal capacity sweep: does a wider network, or one that sees the 40 x 24 image upsampled 2x, classify the
twelve InfraredSolarModules classes better than the shipped members' design? Not part of `trainer train`; it writes
nothing to triton-model-repo/. Meant for a CUDA GPU (about 6 minutes for all configurations side by side on one H100);
on CPU each configuration takes hours.

    cd services/trainer
    /usr/bin/python3 -m experiments.thermal_sweep --out /tmp/thermal-sweep [--device cuda] [--budget 400] [NAME ...]

Each configuration runs in its own process on the same device. Data: the thermal dataset through the trainer's
loader; validation: the trainer's stratified fold (`fold` key, default 0, the shipped fold). The training loop is
self-contained (augmentation on the device: flips, +-2 px shifts with edge padding, +-10 % gain; AdamW, one-epoch
warm-up then cosine; label smoothing 0.05; class weights (N / (12 n_c))^0.25; bf16 autocast). Deterministic
algorithms are requested (a warning, not an error, where one has none). --budget caps each process's wall time:
after its second epoch a configuration shortens its schedule to what fits (recorded as epochs_run).
Writes OUT/NAME.json (history, final accuracy, with horizontal-flip averaging), OUT/NAME.npy (validation logits)
and OUT/NAME.pt (weights); prints a table and the best ensembles of the fold-0 configurations.
"""
import argparse
import itertools
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from experiments.side_by_side import add_arguments, chosen, run_all
from trainer.__main__ import REPO_ROOT
from trainer.common.fit import cosine_lr
from trainer.common.splits import stratified_holdout
from trainer.thermal.data import load
from trainer.thermal.grouped import augment  # noqa: F401 (re-exported)
from trainer.thermal.model import ThermalDeepNet
from trainer.thermal.train import HP, class_weights

DEFAULT_DATA = os.path.join(REPO_ROOT, '..', 'shared', 'datasets', 'infrared_solar_modules')
CONFIGS = {
    'base_w32': dict(width=32, blocks=(2, 2, 2), up=1, epochs=40),
    'w32_up2': dict(width=32, blocks=(2, 2, 2), up=2, epochs=50),
    'w64': dict(width=64, blocks=(2, 2, 2), up=1, epochs=50),
    'w64_up2': dict(width=64, blocks=(2, 2, 2), up=2, epochs=50),
    'w64_up2_mix': dict(width=64, blocks=(2, 2, 2), up=2, epochs=50, mixup=0.2),
}
for _k in range(1, 5):
    CONFIGS[f'w64_up2_f{_k}'] = dict(CONFIGS['w64_up2'], fold=_k)


class UpNet(ThermalDeepNet):
    def __init__(self, up, *a, **k):
        super().__init__(*a, **k)
        self.up = up

    def forward(self, x):
        x = (x.float() - self.pixel_mean) / self.pixel_std
        if self.up > 1:  # nearest-neighbour upsampling as expand + reshape (deterministic backward, plain ONNX)
            n, c, h, w = x.shape
            x = x[:, :, :, None, :, None].expand(n, c, h, self.up, w, self.up).reshape(n, c, h * self.up, w * self.up)
        x = self.body(self.stem(x))
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        return self.fc(self.drop(pooled))


def train_one(name, data, out, budget, dev):
    cfg = dict(CONFIGS[name])
    t_start = time.time()
    torch.manual_seed(1234)
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    _, x, y = load(data)
    _, va = stratified_holdout(y, HP['n_folds'], cfg.get('fold', 0), HP['seed'])
    tr = np.setdiff1d(np.arange(len(y)), va)
    xtr = torch.from_numpy(x[tr]).to(dev)
    ytr = torch.from_numpy(y[tr]).to(dev)
    xva = torch.from_numpy(x[va]).to(dev)
    yva = y[va]
    n_cls = 12
    w = class_weights(y[tr], n_cls, cfg.get('cwp', 0.25)).to(dev)
    xf = x[tr].astype(np.float32)
    model = UpNet(cfg['up'], n_cls, cfg['width'], float(xf.mean()), float(xf.std()), tuple(cfg['blocks'])).to(dev)
    model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    g = torch.Generator(device=dev)
    g.manual_seed(99)
    batch, base_lr = 128, 3e-3
    steps = len(tr) // batch
    total = cfg['epochs']
    hist = []
    autocast = dict(device_type='cuda' if dev == 'cuda' else 'cpu', dtype=torch.bfloat16)
    epoch = 0
    while epoch < total:
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(tr), device=dev, generator=g)
        tl = 0.0
        for i in range(steps):
            idx = perm[i * batch:(i + 1) * batch]
            xb = augment(xtr[idx], g).contiguous(memory_format=torch.channels_last)
            yb = ytr[idx]
            e = epoch + i / steps
            for pg in opt.param_groups:
                pg['lr'] = cosine_lr(base_lr, e, total)
            with torch.autocast(**autocast):
                if cfg.get('mixup'):
                    lam = float(np.random.default_rng(epoch * 100000 + i).beta(cfg['mixup'], cfg['mixup']))
                    j = torch.randperm(len(idx), device=dev, generator=g)
                    out_ = model(lam * xb + (1 - lam) * xb[j]).float()
                    loss = lam * F.cross_entropy(out_, yb, weight=w, label_smoothing=0.05) + \
                        (1 - lam) * F.cross_entropy(out_, yb[j], weight=w, label_smoothing=0.05)
                else:
                    out_ = model(xb).float()
                    loss = F.cross_entropy(out_, yb, weight=w, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tl += float(loss.detach()) if i % 20 == 0 else 0.0
        model.eval()
        with torch.no_grad(), torch.autocast(**autocast):
            logits = torch.cat([model(xva[k:k + 1024]).float() for k in range(0, len(va), 1024)]).cpu().numpy()
        acc = float((logits.argmax(1) == yva).mean())
        dt = time.time() - t0
        epoch += 1
        if epoch == 2:
            left = budget - (time.time() - t_start)
            total = int(min(total, max(5, 2 + left / dt - 1)))
        hist.append([epoch, round(tl / max(1, steps // 20), 4), round(acc, 4), round(dt, 2)])
        print(name, epoch, total, hist[-1], flush=True)
    with torch.no_grad():
        lf = torch.cat([model(xva[k:k + 1024]).float() for k in range(0, len(va), 1024)]).cpu().numpy()
        lh = torch.cat([model(xva[k:k + 1024].flip(3)).float() for k in range(0, len(va), 1024)]).cpu().numpy()
    res = dict(name=name, cfg=cfg, epochs_run=total, hist=hist, acc=float((lf.argmax(1) == yva).mean()),
               acc_hflip=float(((lf + lh).argmax(1) == yva).mean()),
               params=sum(p.numel() for p in model.parameters()), wall=time.time() - t_start)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, f'{name}.npy'), lf)
    with open(os.path.join(out, f'{name}.json'), 'w') as f:
        json.dump(res, f)
    model = model.to(memory_format=torch.contiguous_format)
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, os.path.join(out, f'{name}.pt'))


def softmax(logits):
    z = np.exp(logits - logits.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def summarize(out, names, data):
    res = {n: json.load(open(os.path.join(out, f'{n}.json'))) for n in names
           if os.path.exists(os.path.join(out, f'{n}.json'))}
    for n, r in sorted(res.items(), key=lambda kv: -kv[1]['acc']):
        print(f"{n:14s} acc {r['acc']:.4f}  with h-flip {r['acc_hflip']:.4f}  epochs {r['epochs_run']:3d}  "
              f"params {r['params']}  {r['wall']:.0f} s")
    fold0 = [n for n in res if res[n]['cfg'].get('fold', 0) == 0]
    if len(fold0) > 1:
        _, _, y = load(data)
        _, va = stratified_holdout(y, HP['n_folds'], 0, HP['seed'])
        probs = {n: softmax(np.load(os.path.join(out, f'{n}.npy'))) for n in fold0}
        combos = [(float((sum(probs[n] for n in c).argmax(1) == y[va]).mean()), c)
                  for r in range(2, len(fold0) + 1) for c in itertools.combinations(fold0, r)]
        for acc, c in sorted(combos, reverse=True)[:5]:
            print(f'ensemble {acc:.4f}  ' + ' + '.join(c))


def main(argv=None):
    ap = argparse.ArgumentParser(prog='experiments.thermal_sweep')
    add_arguments(ap, CONFIGS, 400.0)
    ap.add_argument('--data', default=DEFAULT_DATA)
    a = ap.parse_args(argv)
    names = chosen(ap, a, CONFIGS)
    if a.one:
        train_one(names[0], a.data, a.out, a.budget, a.device)
        return
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')   # deterministic cuBLAS
    failed = run_all(names, a.out, lambda n: ['-m', 'experiments.thermal_sweep', n, '--one', '--data', a.data,
                                              '--out', a.out, '--device', a.device, '--budget', str(a.budget)])
    summarize(a.out, names, a.data)
    if failed:
        sys.exit(f'failed: {failed} (see their .log files in {a.out})')


if __name__ == '__main__':
    main()
