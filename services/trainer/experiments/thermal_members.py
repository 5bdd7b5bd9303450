"""Thermal: how far do more ensemble members, longer schedules, cutout or plain (unweighted) classes take the
12-class accuracy? Not part of `trainer train`; writes nothing to triton-model-repo/. Meant for a CUDA GPU.

    cd services/trainer
    /usr/bin/python3 -m experiments.thermal_members pack --out /tmp/thermal.npz      # here: dataset -> arrays
    python3 -m experiments.thermal_members run --npz /tmp/thermal.npz --out OUT
        [--device cuda] [--budget 300] [NAME ...]

M members of the deep member's design (trainer/thermal/model.py ThermalDeepNet: width w, 2-2-2 residual blocks,
mean and max pooling) train at once as one network whose convolutions have M groups (GroupedDeepNet): member m
sees its own shuffling and its own augmentation (flips, +-2 px shifts, +-10 % gain; optional cutout) in input
channel m, and has its own weights and batch-norm statistics, so the M members are independent networks that
share a kernel launch. Validation: the trainer's stratified fold (`pack` stores the five folds' indices).
Each configuration runs in its own process; --budget caps its wall time (the schedule is shortened after epoch 2
to what fits, recorded as epochs_run). Writes OUT/NAME.json (per-member accuracy, ensemble accuracy and macro-F1
for 1, 2, 4, ... members, with horizontal-flip averaging) and OUT/NAME.npy (validation logits [M, n_val, 12]).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from scipy.special import softmax
from sklearn.metrics import f1_score
import torch.nn.functional as F

from experiments.side_by_side import add_arguments, chosen, run_all
from experiments.thermal_sweep import DEFAULT_DATA
from trainer.common.fit import cosine_lr
from trainer.thermal.grouped import GroupedDeepNet, augment, member_state_dict  # noqa: F401 (re-exported)
from trainer.thermal.train import class_weights

N_CLASSES = 12
CONFIGS = {
    # The members' recipe (ThermalDeepNet width 32, class weights (N / 12 n_c)^0.25), eight seeds at once.
    'm8_e60': dict(members=8, width=32, epochs=60, cwp=0.25),
    # Twice as long.
    'm8_e120': dict(members=8, width=32, epochs=120, cwp=0.25),
    # Twice as long, with cutout: one 10 x 10 square per image set to the image's mean (p 0.5).
    'm8_e120_cut': dict(members=8, width=32, epochs=120, cwp=0.25, cutout=10),
    # No class weights: the loss then aims at accuracy itself.
    'm8_e60_cw0': dict(members=8, width=32, epochs=60, cwp=0.0),
    # Twice the width.
    'm8_w64_e60': dict(members=8, width=64, epochs=60, cwp=0.25),
}
for _k in range(1, 5):
    CONFIGS[f'm8_e60_f{_k}'] = dict(CONFIGS['m8_e60'], fold=_k)


def cutout(x, size, g):
    """x float [N,1,H,W]: in half of the images, one size x size square (clipped to the image) takes the image's
    mean value."""
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), device=x.device, generator=g)
    cx = torch.randint(0, w, (n,), device=x.device, generator=g)
    on = torch.rand(n, device=x.device, generator=g) < 0.5
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    box = ((ys - cy[:, None, None]).abs() <= size // 2) & ((xs - cx[:, None, None]).abs() <= size // 2) \
        & on[:, None, None]
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return torch.where(box[:, None], mean.expand_as(x), x)


def ensemble_figures(logits, y):
    """logits [M, n, 12] (each member's) -> {k: (accuracy, macro-F1)} for the mean probability of the first k
    members, k = 1, 2, 4, ..., M."""
    probs = softmax(logits, axis=-1)
    out, k = {}, 1
    while k <= len(logits):
        pred = probs[:k].mean(0).argmax(1)
        f1 = f1_score(y, pred, average='macro', labels=list(range(N_CLASSES)), zero_division=0)
        out[k] = (float((pred == y).mean()), float(f1))
        k = k * 2 if k * 2 <= len(logits) or k == len(logits) else len(logits)
    return out


def pack(data, out):
    from trainer.common.splits import stratified_holdout
    from trainer.thermal.data import load
    from trainer.thermal.train import HP
    _, x, y = load(data)
    folds = {f'val{k}': stratified_holdout(y, HP['n_folds'], k, HP['seed'])[1] for k in range(HP['n_folds'])}
    np.savez_compressed(out, x=x, y=y, **folds)


def train_one(name, npz, out, budget, dev):
    cfg = dict(CONFIGS[name])
    t_start = time.time()
    torch.manual_seed(4321)
    arrays = np.load(npz)
    x, y = arrays['x'], arrays['y']
    va = arrays[f"val{cfg.get('fold', 0)}"]
    tr = np.setdiff1d(np.arange(len(y)), va)
    m, batch, base_lr = cfg['members'], 128, 3e-3
    xtr, ytr = torch.from_numpy(x[tr]).to(dev), torch.from_numpy(y[tr]).to(dev)
    xva, yva = torch.from_numpy(x[va]).to(dev), y[va]
    xf = x[tr].astype(np.float32)
    model = GroupedDeepNet(m, cfg['width'], xf.mean(), xf.std()).to(dev).to(memory_format=torch.channels_last)
    w = class_weights(y[tr], N_CLASSES, cfg['cwp']).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=base_lr, weight_decay=5e-4)
    g = torch.Generator(device=dev)
    g.manual_seed(77)
    steps, total, hist, epoch = len(tr) // batch, cfg['epochs'], [], 0
    autocast = dict(device_type='cuda' if dev == 'cuda' else 'cpu', dtype=torch.bfloat16)

    def val_logits(flip=False):
        model.eval()
        outs = []
        with torch.no_grad(), torch.autocast(**autocast):
            for k in range(0, len(va), 1024):
                xb = xva[k:k + 1024].float()
                xb = xb.flip(3) if flip else xb
                outs.append(model(xb.expand(-1, m, -1, -1).contiguous(memory_format=torch.channels_last)).float())
        return torch.cat(outs).permute(1, 0, 2).cpu().numpy()   # [M, n, 12]

    while epoch < total:
        model.train()
        t0 = time.time()
        perms = torch.stack([torch.randperm(len(tr), device=dev, generator=g) for _ in range(m)], 1)  # [n, M]
        tl = 0.0
        for i in range(steps):
            idx = perms[i * batch:(i + 1) * batch]                       # [B, M]: member m's own images
            xb = augment(xtr[idx.reshape(-1)], g)                         # [B*M, 1, 40, 24]
            if cfg.get('cutout'):
                xb = cutout(xb, cfg['cutout'], g)
            xb = xb.view(batch, m, 40, 24).contiguous(memory_format=torch.channels_last)
            yb = ytr[idx]                                                 # [B, M]
            for pg in opt.param_groups:
                pg['lr'] = cosine_lr(base_lr, epoch + i / steps, total)
            with torch.autocast(**autocast):
                logits = model(xb).float()
                loss = F.cross_entropy(logits.reshape(-1, N_CLASSES), yb.reshape(-1), weight=w,
                                       label_smoothing=0.05) * m
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if i % 20 == 0:
                tl += float(loss.detach()) / m
        dt = time.time() - t0
        epoch += 1
        if epoch == 2:
            left = budget - (time.time() - t_start)
            total = int(min(total, max(4, 2 + left / dt - 1)))
        if epoch % 10 == 0 or epoch == total:
            lv = val_logits()
            accs = (lv.argmax(2) == yva[None]).mean(1)
            hist.append([epoch, round(tl / max(1, (steps + 19) // 20), 4), round(float(accs.mean()), 4), round(dt, 2)])
            print(name, epoch, total, hist[-1], flush=True)
    plain, flipped = val_logits(), val_logits(flip=True)
    res = dict(name=name, cfg=cfg, epochs_run=total, hist=hist,
               member_acc=[round(float(a), 4) for a in (plain.argmax(2) == yva[None]).mean(1)],
               ensemble={k: v for k, v in ensemble_figures(plain, yva).items()},
               ensemble_hflip={k: v for k, v in ensemble_figures((plain + flipped) / 2, yva).items()},
               wall=round(time.time() - t_start, 1))
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, f'{name}.npy'), plain.astype(np.float16))
    with open(os.path.join(out, f'{name}.json'), 'w') as f:
        json.dump(res, f)


def summarize(out, names):
    for n in names:
        p = os.path.join(out, f'{n}.json')
        if not os.path.exists(p):
            print(f'{n:14s} (no result)')
            continue
        r = json.load(open(p))
        ens = ' '.join(f"{k}:{v[0]:.4f}" for k, v in r['ensemble'].items())
        top = max(r['ensemble_hflip'], key=int)
        print(f"{n:14s} epochs {r['epochs_run']:3d}  members {np.mean(r['member_acc']):.4f} "
              f"(min {min(r['member_acc']):.4f} max {max(r['member_acc']):.4f})  ensemble {ens}  "
              f"+hflip {r['ensemble_hflip'][top][0]:.4f} F1 {r['ensemble'][top][1]:.4f}  {r['wall']:.0f} s")


def main(argv=None):
    ap = argparse.ArgumentParser(prog='experiments.thermal_members')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('pack', help='dataset -> one .npz of pixels, labels and the five folds')
    p.add_argument('--data', default=DEFAULT_DATA)
    p.add_argument('--out', required=True)
    r = sub.add_parser('run', help='train configurations side by side')
    add_arguments(r, CONFIGS, 300.0)
    r.add_argument('--npz', required=True)
    a = ap.parse_args(argv)
    if a.cmd == 'pack':
        pack(a.data, a.out)
        return
    names = chosen(r, a, CONFIGS)
    if a.one:
        train_one(names[0], a.npz, a.out, a.budget, a.device)
        return
    failed = run_all(names, a.out, lambda n: ['-m', 'experiments.thermal_members', 'run', n, '--one', '--npz', a.npz,
                                              '--out', a.out, '--device', a.device, '--budget', str(a.budget)])
    summarize(a.out, names)
    if failed:
        sys.exit(f'failed: {failed} (see their .log files in {a.out})')


if __name__ == '__main__':
    main()
