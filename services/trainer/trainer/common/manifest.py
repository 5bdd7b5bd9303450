"""Reads a dataset folder through its manifest.csv (layout of ../shared/datasets/*). Never writes to it."""
import csv
import hashlib
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    root: str
    rows: list  # list of dicts, one per manifest row, in manifest order
    manifest_sha256: str

    def path(self, rel):
        return os.path.join(self.root, rel)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def read_dataset(root):
    manifest = os.path.join(root, 'manifest.csv')
    if not os.path.isfile(manifest):
        raise FileNotFoundError(f'{manifest} not found: a dataset folder must hold manifest.csv')
    with open(manifest, newline='') as f:
        rows = list(csv.DictReader(f))
    missing = {'path', 'class'} - set(rows[0].keys() if rows else [])
    if missing:
        raise ValueError(f'{manifest} lacks columns {sorted(missing)}')
    return Dataset(root=os.path.abspath(root), rows=rows, manifest_sha256=sha256_file(manifest))
