"""Writes the validation part of an image dataset as a dataset folder (manifest.csv + symbolic links to the
original files, nothing copied), so `npm run evaluate -- --data DIR` can score the served models on exactly the
images the trainer held out."""
import csv
import os

import numpy as np

from .manifest import read_dataset
from .splits import dev_holdout


def write_validation_folder(data_dir, out_dir, class_names, hp, link_columns=('path', 'mask'), groups_of=None):
    """groups_of(ds) -> a group label per row, for hp['split'] = 'tile'."""
    ds = read_dataset(data_dir)
    y = np.array([class_names.index(r['class']) for r in ds.rows])
    _, va = dev_holdout(y, hp, groups_of(ds) if groups_of else None)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'manifest.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(ds.rows[0].keys()))
        w.writeheader()
        for i in va:
            row = dict(ds.rows[i])
            row['split'] = f"validation-fold{hp['fold']}" + ('-tile' if hp.get('split') == 'tile' else '')
            w.writerow(row)
            for col in link_columns:
                if row.get(col):
                    dst = os.path.join(out_dir, row[col])
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    if not os.path.lexists(dst):
                        os.symlink(ds.path(row[col]), dst)
    return len(va)
