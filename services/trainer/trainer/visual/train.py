"""Visual (magnetic tile): SegNet on pixel masks + PatchNet on mask-centred patches, then image-level heads."""
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

from ..common import checkpoint
from ..common.fit import fit
from ..common.log import log
from ..common.splits import dev_holdout
from .data import CLASS_NAMES, GOOD_CLASS, load
from .models import PIXEL_TO_IMAGE, PatchNet, SegNet

HP = dict(seed=20260402, n_folds=5, fold=0,
          # 'stratified': the folds split by class only (exposures of one tile fall on both sides, like the shared
          # data's own held-out split); 'tile': exposures of one tile stay together (tiles.py), for new-tile figures.
          split='stratified',
          # True: training leaves out the images whose label is outvoted by other exposures of their own tile among
          # the training images (tiles.py: outvoted; e.g. the one Fray of a tile labelled Free five times). The
          # validation images are never changed or dropped, and their labels take no part in the vote.
          drop_outvoted=False,
          seg=dict(epochs=30, batch=16, crop=128, lr=2e-3, weight_decay=1e-4, defect_repeats=2, centred=0.7,
                   defect_pixel_weight=4.0),
          # The PatchNets train twice as long as version 2's (25 + 20 epochs) under bf16 autocast (see fit), for
          # less CPU than before: their training loss was still falling. 5-fold, served: accuracy 0.963 -> 0.967,
          # macro-F1 0.925 -> 0.934, AUROC 0.980 -> 0.984 (better on 4 folds of 5).
          patch=dict(epochs=50, batch=64, per_defect_class=200, negatives=1000, lr=2e-3, weight_decay=1e-4,
                     label_smoothing=0.05, precision='bf16',
                     # > 0: half the training patches are cut from a window of another aspect ratio (log ratio
                     # uniform in +-aspect_jitter) and resized to the patch, so a defect squeezed by the 'fill'
                     # resize of a wide or tall image is no stranger to the network (stretched_crop). 0: off.
                     # Version 5 sets 0.7 (5-fold, served: accuracy 0.970 -> 0.970, macro-F1 0.940 -> 0.944,
                     # AUROC 0.984 -> 0.989, review 23 % -> 9 %; docs/model-quality.md "Tiles never seen").
                     aspect_jitter=0.7,
                     # > 1: defect images whose mask touches the image border (border_touching) are drawn this many
                     # times as often as the other images of their class for the PatchNets' defect patches; most
                     # AUROC losses are such defects (docs/model-quality.md). 1: off, every image equally.
                     border_weight=1.0,
                     # With pad > 0: None mirrors the image outwards; a number pads it with that constant (in
                     # normalized units, outside the range of any pixel: -5 is below black for this data's mean and
                     # spread), so windows at the border know which of their pixels lie outside the image. Training
                     # patches may then reach outside the image by up to `pad` pixels. Off while pad is 0.
                     pad_value=None),
          seg_ft=dict(epochs=15, lr=1e-3, weight_decay=1e-4, free_repeats=2, defect_pixel_weight=2.0),
          patch_ft=dict(epochs=40, lr=1e-3),
          head_C=1.0,
          # Further PatchNets: the same recipe (both phases, head) from their own seeds (hp seed + seed_offset). The
          # PatchNet is the strongest member; seeds differ in which small defects they miss, so averaging them cuts
          # escapes. Keys: name (served model), tensor (its input of visual_combiner), seed_offset, optional width
          # (channels of the first layers, 24 by default). Version 4 adds a third (5-fold, served: accuracy 0.967 ->
          # 0.970, macro-F1 0.934 -> 0.940, AUROC 0.984 -> 0.984; 32 errors of 1077 against 36, within noise).
          patch_extra=[{'name': 'visual_patchnet_b', 'tensor': 'LOGITS_PATCH_B', 'seed_offset': 100},
                       {'name': 'visual_patchnet_c', 'tensor': 'LOGITS_PATCH_C', 'seed_offset': 200}],
          # Classes whose prior the combiner corrects with a bias fitted by validation NLL after its temperature (see
          # export.py): the heads learnt class frequencies on images their networks had trained on, so the mixture
          # over-predicts Free on unseen images (5-fold: bias -0.38 to -0.60, accuracy +1.4 points). [] = no bias.
          class_bias=['Free'],
          # How visual_combiner pools the members' calibrated distributions (common/combiner_graph.py): 'linear', their
          # weighted mean (versions 1-6), or 'log-linear', their weighted geometric mean, where a member sure of a
          # defect moves the pool more than it moves a mean (version 7; same networks and weights; docs/model-quality.md).
          pooling='log-linear')
FREE = CLASS_NAMES.index(GOOD_CLASS)
IMAGE_TO_PIXEL = {img: k + 1 for k, img in enumerate(PIXEL_TO_IMAGE)}
KERNELS = ('lanczos3', 'bilinear')   # PIL resamplers used for network training
SERVE_KEY = 'sharp'                   # pixels as the gateway sends them: heads, calibration, validation


def photometric(x, rng):
    """x uint8 [B,1,h,w] -> jittered uint8 tensor: flips and +-10 % gain, +-10 grey-level offset."""
    b = len(x)
    out = x.copy()
    hf = rng.random(b) < 0.5
    vf = rng.random(b) < 0.5
    out[hf] = out[hf][..., ::-1]
    out[vf] = out[vf][..., ::-1, :]
    f = out.astype(np.float32)
    mean = f.mean(axis=(1, 2, 3), keepdims=True)
    f = (f - mean) * rng.uniform(0.9, 1.1, (b, 1, 1, 1)) + mean + rng.uniform(-10, 10, (b, 1, 1, 1))
    return np.clip(np.rint(f), 0, 255).astype(np.uint8), hf, vf


def stretched_crop(image, y0, x0, patch, log_aspect):
    """image uint8 [1,H,W] -> uint8 [1,patch,patch]: the window centred on the patch at (y0, x0), patch * sqrt(r)
    columns by patch / sqrt(r) rows (r = exp(log_aspect), clipped to the image), resized to patch x patch
    (bilinear, antialiased). r > 1 squeezes the content horizontally, as the 'fill' resize squeezes a wide image."""
    size_y, size_x = image.shape[1:]
    half = float(np.exp(log_aspect / 2))
    h, w = min(size_y, max(1, round(patch / half))), min(size_x, max(1, round(patch * half)))
    top = int(np.clip(round(y0 + patch / 2 - h / 2), 0, size_y - h))
    left = int(np.clip(round(x0 + patch / 2 - w / 2), 0, size_x - w))
    window = torch.from_numpy(np.ascontiguousarray(image[None, :, top:top + h, left:left + w], dtype=np.float32))
    out = F.interpolate(window, size=(patch, patch), mode='bilinear', align_corners=False, antialias=True)
    return np.clip(np.rint(out[0].numpy()), 0, 255).astype(np.uint8)


def border_touching(masks, margin=2):
    """Per image: does its mask have a pixel within `margin` pixels of the image border?"""
    m = masks.reshape(len(masks), masks.shape[-2], masks.shape[-1]) > 0
    return (m[:, :margin].any((1, 2)) | m[:, -margin:].any((1, 2)) | m[:, :, :margin].any((1, 2))
            | m[:, :, -margin:].any((1, 2)))


def draw_defect_images(rows, n, border, weight, rng):
    """n training images of one class; images with border[i] weigh `weight` times the others (1: uniform)."""
    if weight == 1.0:
        return rng.choice(rows, n)
    w = np.where(border[rows], weight, 1.0)
    return rng.choice(rows, n, p=w / w.sum())


def inside_map(size, pad):
    """uint8 [1,size,size]: 255 on the image, 0 on the `pad`-pixel frame added around it."""
    m = np.zeros((1, size, size), np.uint8)
    m[:, pad:size - pad, pad:size - pad] = 255
    return m


def mark_outside(xb, inside, hf, vf):
    """uint8 patches [B,1,h,w] and their inside maps (before the flips photometric applied) -> float patches whose
    pixels outside the image are NaN (PatchNet.patch_logits gives them the padding constant)."""
    inside = inside.copy()
    inside[hf] = inside[hf][..., ::-1]
    inside[vf] = inside[vf][..., ::-1, :]
    x = torch.from_numpy(xb).float()
    x[torch.from_numpy(np.ascontiguousarray(inside)) < 128] = float('nan')
    return x


def crop_origin(mask, size, crop, centred, rng):
    ys, xs = np.nonzero(mask)
    if len(ys) and rng.random() < centred:
        j = rng.integers(len(ys))
        cy, cx = ys[j] + rng.integers(-crop // 3, crop // 3 + 1), xs[j] + rng.integers(-crop // 3, crop // 3 + 1)
        y0, x0 = cy - crop // 2, cx - crop // 2
    else:
        y0, x0 = rng.integers(0, size - crop + 1), rng.integers(0, size - crop + 1)
    return int(np.clip(y0, 0, size - crop)), int(np.clip(x0, 0, size - crop))


def fit_segnet(images, masks, y, tr, ckpt_dir, hp, mean, std, model=None, phase='seg'):
    """phase 'seg': training from scratch; 'seg_ft': a second, shorter cosine cycle from the phase-1 weights with
    twice the Free crops and a lower defect-pixel weight (fewer false alarms on defect-free texture)."""
    p = dict(hp['seg'], **hp.get(phase, {})) if phase != 'seg' else hp['seg']
    size = masks.shape[1]
    has_mask = masks.reshape(len(masks), -1).max(1) > 0
    # Defect images whose mask is empty (4 Uneven) would teach "defect looks like background": left out here.
    usable = np.array([i for i in tr if y[i] == FREE or has_mask[i]])
    defect_idx = usable[y[usable] != FREE]
    free_idx = usable[y[usable] == FREE]
    if model is None:
        torch.manual_seed(hp['seed'])
        model = SegNet(mean, std)
    weights = torch.tensor([1.0] + [p['defect_pixel_weight']] * 5)

    def batches(rng, epoch):
        pool = np.concatenate([np.repeat(defect_idx, p['defect_repeats']),
                               np.repeat(free_idx, p.get('free_repeats', 1))])
        order = rng.permutation(pool)
        crop = p['crop']
        for s in range(0, len(order) - p['batch'] + 1, p['batch']):
            xs, ts = [], []
            for i in order[s:s + p['batch']]:
                y0, x0 = crop_origin(masks[i], size, crop, p['centred'], rng)
                kernel = KERNELS[rng.integers(2)]
                xs.append(images[kernel][i, :, y0:y0 + crop, x0:x0 + crop])
                m = masks[i, y0:y0 + crop, x0:x0 + crop].astype(np.int64)
                ts.append(m * (IMAGE_TO_PIXEL[y[i]] if y[i] != FREE else 0))
            xb, hf, vf = photometric(np.stack(xs), rng)
            t = np.stack(ts)
            t[hf] = t[hf][..., ::-1]
            t[vf] = t[vf][..., ::-1, :]
            # Pixel targets at the output stride (4): a cell is a defect if any of its pixels is.
            tt = torch.from_numpy(np.ascontiguousarray(t))
            tt = F.max_pool2d(tt[:, None].float(), 4)[:, 0].long()
            yield torch.from_numpy(xb), tt

    def loss_fn(m, xb, tb):
        return F.cross_entropy(m.pixel_logits(xb).float(), tb, weight=weights)

    return fit(model, batches, loss_fn, epochs=p['epochs'], base_lr=p['lr'], weight_decay=p['weight_decay'],
               ckpt_dir=ckpt_dir, name='visual_' + phase, seed=hp['seed'] + (0 if phase == 'seg' else 7), log=log,
               precision=p.get('precision', 'fp32'))


def fit_patchnet(images, masks, y, tr, ckpt_dir, hp, mean, std, model=None, phase='patch', name='visual_patch'):
    """phase 'patch': from scratch; 'patch_ft': a second, shorter cosine cycle from the phase-1 weights.
    Checkpoints are `name` and `name`_ft."""
    p = dict(hp['patch'], **hp.get(phase, {})) if phase != 'patch' else hp['patch']
    P = PatchNet.PATCH
    has_mask = masks.reshape(len(masks), -1).max(1) > 0
    border = border_touching(masks)   # before any padding: the image's own border
    pad, pad_value = hp['patch'].get('pad', 0), hp['patch'].get('pad_value')
    if model is None:
        torch.manual_seed(hp['seed'] + 1)
        model = PatchNet(mean, std, w=hp.get('patch_width', 24), pad=pad, pad_value=pad_value)
    inside = None
    if pad:  # crops come from the images (and masks) padded outwards as the network's graph does
        mode = 'reflect' if pad_value is None else 'constant'
        images = {k: np.pad(images[k], ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode=mode) for k in KERNELS}
        masks = np.pad(masks, ((0, 0), (pad, pad), (pad, pad)), mode=mode)
        if pad_value is not None:
            inside = inside_map(masks.shape[1], pad)
    size = masks.shape[1]
    by_class = {c: tr[y[tr] == c] for c in range(len(CLASS_NAMES))}
    defect_tr = tr[y[tr] != FREE]

    jitter = p.get('aspect_jitter', 0.0)
    border_weight = p.get('border_weight', 1.0)

    def patch_pixels(image, y0, x0, rng):
        """(patch, its inside map or None): pixels of the image (255) or of the constant padding (0)."""
        if jitter and rng.random() < 0.5:
            log_aspect = rng.uniform(-jitter, jitter)
            return (stretched_crop(image, y0, x0, P, log_aspect),
                    None if inside is None else stretched_crop(inside, y0, x0, P, log_aspect))
        return image[:, y0:y0 + P, x0:x0 + P], None if inside is None else inside[:, y0:y0 + P, x0:x0 + P]

    def batches(rng, epoch):
        items = []
        for c in range(len(CLASS_NAMES)):
            if c == FREE:
                continue
            for i in draw_defect_images(by_class[c], p['per_defect_class'], border, border_weight, rng):
                y0, x0 = crop_origin(masks[i], size, P, 1.0 if has_mask[i] else 0.0, rng)
                items.append((i, y0, x0, c))
        for n in range(p['negatives']):
            if n % 4 == 3:  # defect-free area of a defect image
                i = rng.choice(defect_tr)
                for _ in range(10):
                    y0, x0 = crop_origin(masks[i], size, P, 0.0, rng)
                    lo_y, lo_x = max(0, y0 - 8), max(0, x0 - 8)
                    if has_mask[i] and not masks[i, lo_y:y0 + P + 8, lo_x:x0 + P + 8].any():
                        items.append((i, y0, x0, FREE))
                        break
            else:
                i = rng.choice(by_class[FREE])
                y0, x0 = crop_origin(masks[i], size, P, 0.0, rng)
                items.append((i, y0, x0, FREE))
        order = rng.permutation(len(items))
        for s in range(0, len(order) - p['batch'] + 1, p['batch']):
            chosen = [items[k] for k in order[s:s + p['batch']]]
            xs, ins = zip(*[patch_pixels(images[KERNELS[rng.integers(2)]][i], y0, x0, rng)
                            for i, y0, x0, _ in chosen])
            xb, hf, vf = photometric(np.stack(xs), rng)
            xb = torch.from_numpy(xb) if inside is None else mark_outside(xb, np.stack(ins), hf, vf)
            yield xb, torch.tensor([c for *_, c in chosen])

    def loss_fn(m, xb, yb):
        return F.cross_entropy(m.patch_logits(xb).float(), yb, label_smoothing=p['label_smoothing'])

    return fit(model, batches, loss_fn, epochs=p['epochs'], base_lr=p['lr'], weight_decay=p['weight_decay'],
               ckpt_dir=ckpt_dir, name=name + ('' if phase == 'patch' else '_ft'),
               seed=hp['seed'] + (0 if phase == 'patch' else 11), log=log,
               precision=p.get('precision', 'fp32'))


@torch.no_grad()
def features_of(model, x, batch=16):
    model.eval()
    out = []
    for i in range(0, len(x), batch):
        f = model.features(torch.from_numpy(x[i:i + batch]))
        out.append(f[0] if isinstance(f, tuple) else f)
    return torch.cat(out).numpy()


def fit_head(model, images, y, tr, C, seed):
    """Logistic regression on pooled map statistics of the training images (plain and flipped), into the head."""
    x = images[SERVE_KEY][tr]
    feats = np.concatenate([features_of(model, x), features_of(model, np.ascontiguousarray(x[..., ::-1]))])
    labels = np.concatenate([y[tr], y[tr]])
    mu, sd = feats.mean(0), feats.std(0) + 1e-6
    # No class weights here: the networks already saw class-balanced samples; the head keeps the natural prior so
    # that accuracy and calibration are not traded for rare-class recall (tried: balanced weights cost 0.25 accuracy).
    lr = LogisticRegression(C=C, max_iter=5000, random_state=seed)
    lr.fit((feats - mu) / sd, labels)
    with torch.no_grad():
        model.head.mu.copy_(torch.tensor(mu, dtype=torch.float32))
        model.head.sd.copy_(torch.tensor(sd, dtype=torch.float32))
        model.head.linear.weight.copy_(torch.tensor(lr.coef_, dtype=torch.float32))
        model.head.linear.bias.copy_(torch.tensor(lr.intercept_, dtype=torch.float32))
    return model


def split_groups(ds, hp):
    """The tile group of every dev image when hp['split'] is 'tile', else None."""
    if hp.get('split', 'stratified') != 'tile':
        return None
    from .tiles import tile_groups
    return tile_groups([ds.path(r['path']) for r in ds.rows])


def training_rows(ds, y, tr, hp):
    """tr, less the images whose label their tile outvotes when hp['drop_outvoted']."""
    if not hp.get('drop_outvoted'):
        return tr
    from .tiles import outvoted
    drop = outvoted([ds.path(ds.rows[i]['path']) for i in tr], y[tr])
    log(f'visual: {int(drop.sum())} training images left out, their label outvoted within their tile: '
        + ', '.join(f'{CLASS_NAMES[c]} {int(n)}' for c, n in enumerate(np.bincount(y[tr][drop], minlength=len(CLASS_NAMES))) if n))
    return tr[~drop]


def fit_models(data_dir, ckpt_dir, hp=HP):
    ds, images, masks, y = load(data_dir)
    tr, va = dev_holdout(y, hp, split_groups(ds, hp))
    if hp.get('all_dev'):
        # Every development image trains; `va` (fold 0's images, trained on) only feeds the export's parity and
        # serve-path checks. Calibration, operating point and figures come from the five fold models (oof.py).
        tr = np.arange(len(y))
    tr = training_rows(ds, y, tr, hp)
    mean, std = float(images['lanczos3'][tr].mean()), float(images['lanczos3'][tr].std())
    log(f'visual: {len(tr)} train / {len(va)} val, pixel mean {mean:.1f} std {std:.1f}')
    seg = fit_segnet(images, masks, y, tr, ckpt_dir, hp, mean, std)
    if hp.get('seg_ft'):
        seg = fit_segnet(images, masks, y, tr, ckpt_dir, hp, mean, std, model=seg, phase='seg_ft')
    patch = fit_patchnet(images, masks, y, tr, ckpt_dir, hp, mean, std)
    if hp.get('patch_ft'):
        patch = fit_patchnet(images, masks, y, tr, ckpt_dir, hp, mean, std, model=patch, phase='patch_ft')
    done = checkpoint.load(ckpt_dir, 'visual_heads_v4')
    if done is None:
        fit_head(seg, images, y, tr, hp['head_C'], hp['seed'])
        fit_head(patch, images, y, tr, hp['head_C'], hp['seed'])
        checkpoint.save(ckpt_dir, 'visual_heads_v4', {'seg': seg.state_dict(), 'patch': patch.state_dict()})
    else:
        seg.load_state_dict(done['seg'])
        patch.load_state_dict(done['patch'])
    seg.eval()
    patch.eval()
    extra = [fit_extra_patch(images, masks, y, tr, ckpt_dir, hp, mean, std, spec) for spec in hp.get('patch_extra', [])]
    return ds, images, masks, y, tr, va, seg, patch, extra


def fit_extra_patch(images, masks, y, tr, ckpt_dir, hp, mean, std, spec):
    """(spec, PatchNet with its head): one entry of hp['patch_extra'], trained like the first PatchNet."""
    own = dict(hp, seed=hp['seed'] + spec['seed_offset'], patch_width=spec.get('width', 24))
    model = fit_patchnet(images, masks, y, tr, ckpt_dir, own, mean, std, name=spec['name'])
    if hp.get('patch_ft'):
        model = fit_patchnet(images, masks, y, tr, ckpt_dir, own, mean, std, model=model, phase='patch_ft',
                             name=spec['name'])
    done = checkpoint.load(ckpt_dir, spec['name'] + '_head')
    if done is None:
        fit_head(model, images, y, tr, hp['head_C'], hp['seed'])
        checkpoint.save(ckpt_dir, spec['name'] + '_head', {'model': model.state_dict()})
    else:
        model.load_state_dict(done['model'])
    model.eval()
    return spec, model
