"""Loads SECOM rows through manifest.csv: each row names a CSV file and a 1-based data-row number in it."""
import csv
import os

import numpy as np

from ..common.manifest import read_dataset

CLASS_NAMES = ['pass', 'fail']
GOOD_CLASS = 'pass'
N_FEATURES = 590


def parse_value(v):
    return np.nan if v.strip() in ('', 'NaN', 'nan') else float(v)


def load(root):
    ds = read_dataset(root)
    tables = {}
    x = np.empty((len(ds.rows), N_FEATURES), dtype=np.float32)
    y = np.empty(len(ds.rows), dtype=np.int64)
    for i, r in enumerate(ds.rows):
        if r['path'] not in tables:
            with open(ds.path(r['path']), newline='') as f:
                reader = csv.reader(f)
                header = next(reader)
                features = [j for j, h in enumerate(header) if h != 'label']
                if len(features) != N_FEATURES:
                    raise ValueError(f"{r['path']}: expected {N_FEATURES} feature columns, found {len(features)}")
                tables[r['path']] = (features, list(reader))
        features, data = tables[r['path']]
        row = data[int(r['row']) - 1]
        x[i] = [parse_value(row[j]) for j in features]
        if r['class'] not in CLASS_NAMES:
            raise ValueError(f"unknown class {r['class']!r}")
        y[i] = CLASS_NAMES.index(r['class'])
    return ds, x, y


def feature_names():
    return [f'f{j}' for j in range(N_FEATURES)]


def dataset_name(root):
    return os.path.basename(os.path.abspath(root))
