"""Where the visual ensemble's errors fall, from `npm run evaluate` reports (no models are run).

For each report (one per fold; e.g. the reports `kfold.sh visual` writes), every misclassified image is looked up in
the dataset's manifest and counted by its true class, predicted class and shape: 'wide' (width > 1.5 x height),
'tall' (height > 1.5 x width) or 'square'. The model's input is 256 x 256 without keeping the aspect ratio, so a
wide image's defects are squeezed horizontally more than 2 x relative to a square image's. Also printed: how many
images of each class and shape every fold's training part held (the dev images outside that report's fold).

    cd services/trainer
    /usr/bin/python3 -m experiments.visual_errors_by_shape REPORT.json [REPORT.json ...] [--data DIR]
"""
import argparse
import collections
import csv
import json
import os

from trainer.__main__ import REPO_ROOT

DEFAULT_DATA = os.path.join(REPO_ROOT, '..', 'shared', 'datasets', 'magnetic_tile')
SHAPES = ('square', 'wide', 'tall')


def shape_of(width, height):
    if width > 1.5 * height:
        return 'wide'
    if height > 1.5 * width:
        return 'tall'
    return 'square'


def read_manifest(data_dir):
    with open(os.path.join(data_dir, 'manifest.csv'), newline='') as f:
        return {r['path']: r for r in csv.DictReader(f) if r.get('split', 'dev') == 'dev'}


def errors_by_shape(items, manifest):
    """Counter of (true class, predicted class, shape) over the misclassified report items."""
    out = collections.Counter()
    for it in items:
        if it['true_class'] != it['predicted_class']:
            row = manifest[it['id']]
            out[(it['true_class'], it['predicted_class'], shape_of(int(row['width']), int(row['height'])))] += 1
    return out


def training_shapes(items, manifest):
    """Counter of (class, shape) over the dev images that are not in this report (its fold's training part)."""
    held_out = {it['id'] for it in items}
    return collections.Counter((r['class'], shape_of(int(r['width']), int(r['height'])))
                               for path, r in manifest.items() if path not in held_out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('reports', nargs='+')
    ap.add_argument('--data', default=DEFAULT_DATA)
    args = ap.parse_args()
    manifest = read_manifest(args.data)
    total = collections.Counter()
    for path in args.reports:
        with open(path) as f:
            items = json.load(f)['items']
        errors = errors_by_shape(items, manifest)
        total.update(errors)
        trained = training_shapes(items, manifest)
        print(f'{os.path.basename(path)}: {sum(errors.values())} errors of {len(items)}')
        for (true, pred, shape), n in sorted(errors.items()):
            print(f'  {true:9s} -> {pred:9s} {shape:6s} {n:3d}   (training images of {true}, {shape}: '
                  f'{trained[(true, shape)]})')
    by_shape = collections.Counter()
    for (_, _, shape), n in total.items():
        by_shape[shape] += n
    print('all reports: ' + ', '.join(f'{s} {by_shape[s]}' for s in SHAPES) + f' (total {sum(total.values())})')


if __name__ == '__main__':
    main()
