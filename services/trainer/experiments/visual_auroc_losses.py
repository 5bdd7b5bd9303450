"""Which defect images cost the visual ensemble its AUROC, from `npm run evaluate` reports (no models are run).

AUROC (defect vs `Free`) is the share of (defect, `Free`) pairs in which the defect image gets the higher defect
probability. For each report (one per fold), every defect image that some `Free` image outranks (ties count half,
as in the AUROC) is listed with how many pairs it loses and how far its mask lies from the image border, in pixels
of the source image. Totals: lost pairs, and how many of them come from defects whose mask is within --border px of
the border, against how common such defects are among all dev defect images with a mask.

    cd services/trainer
    /usr/bin/python3 -m experiments.visual_auroc_losses REPORT.json [REPORT.json ...] [--data DIR] [--border 3]
"""
import argparse
import json
import os

import numpy as np

from experiments.visual_errors_by_shape import DEFAULT_DATA, read_manifest


def lost_pairs(items, good='Free'):
    """[(pairs lost, item)] for the defect items outranked by at least one good item, most pairs first."""
    goods = np.array([it['defect_probability'] for it in items if it['true_class'] == good])
    out = []
    for it in items:
        if it['true_class'] == good:
            continue
        p = it['defect_probability']
        lost = float((goods > p).sum() + 0.5 * (goods == p).sum())
        if lost:
            out.append((lost, it))
    return sorted(out, key=lambda pair: -pair[0])


def pair_count(items, good='Free'):
    n_good = sum(1 for it in items if it['true_class'] == good)
    return n_good * (len(items) - n_good)


def border_distance(mask):
    """Pixels between the mask's nearest pixel and the image border (0: touches it); None for an empty mask."""
    ys, xs = np.nonzero(mask)
    if not len(ys):
        return None
    h, w = mask.shape
    return int(min(ys.min(), xs.min(), h - 1 - ys.max(), w - 1 - xs.max()))


def mask_of(data_dir, row):
    from PIL import Image
    return np.array(Image.open(os.path.join(data_dir, row['mask'])).convert('L')) > 127


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('reports', nargs='+')
    ap.add_argument('--data', default=DEFAULT_DATA)
    ap.add_argument('--border', type=int, default=3, help='a mask within this many pixels touches the border')
    args = ap.parse_args()
    manifest = read_manifest(args.data)
    distances = {}

    def distance(path):
        if path not in distances:
            row = manifest[path]
            distances[path] = border_distance(mask_of(args.data, row)) if row.get('mask') else None
        return distances[path]

    total = near = pairs = 0.0
    for path in args.reports:
        with open(path) as f:
            items = json.load(f)['items']
        losses = lost_pairs(items)
        lost = sum(n for n, _ in losses)
        total += lost
        pairs += pair_count(items)
        print(f'{os.path.basename(path)}: {lost:g} of {pair_count(items)} pairs lost')
        for n, it in losses:
            d = distance(it['id'])
            near += n if d is not None and d <= args.border else 0
            print(f'  {n:5g}  {it["true_class"]:9s} p={it["defect_probability"]:.4f}  border distance '
                  f'{"-" if d is None else d:>4}  {it["id"]}')
    with_mask = [p for p, r in manifest.items() if r['class'] != 'Free' and r.get('mask')]
    near_all = sum(1 for p in with_mask if (distance(p) is not None and distance(p) <= args.border))
    measured = sum(1 for p in with_mask if distance(p) is not None)
    print(f'all reports: {total:g} of {pairs:g} pairs lost; {near:g} ({near / max(total, 1):.0%}) from defects within '
          f'{args.border} px of the border, which are {near_all} of {measured} dev defect images with a mask '
          f'({near_all / max(measured, 1):.0%})')


if __name__ == '__main__':
    main()
