"""Loads InfraredSolarModules (24 x 40 px grayscale) through its manifest into memory as UINT8."""
import numpy as np
from PIL import Image

from ..common.manifest import read_dataset

CLASS_NAMES = ['Cell', 'Cell-Multi', 'Cracking', 'Diode', 'Diode-Multi', 'Hot-Spot', 'Hot-Spot-Multi',
               'No-Anomaly', 'Offline-Module', 'Shadowing', 'Soiling', 'Vegetation']
GOOD_CLASS = 'No-Anomaly'
HEIGHT, WIDTH = 40, 24


def decode_gray(path, height=HEIGHT, width=WIDTH):
    """JPEG -> 8-bit gray at (height, width). The dataset is already 24 x 40; other sizes are resized bilinearly."""
    with Image.open(path) as im:
        im = im.convert('L')
        if im.size != (width, height):
            im = im.resize((width, height), Image.BILINEAR)
        return np.asarray(im, dtype=np.uint8)


def load(root):
    ds = read_dataset(root)
    unknown = sorted({r['class'] for r in ds.rows} - set(CLASS_NAMES))
    if unknown:
        raise ValueError(f'unknown classes in manifest: {unknown}')
    x = np.stack([decode_gray(ds.path(r['path'])) for r in ds.rows])[:, None]
    y = np.array([CLASS_NAMES.index(r['class']) for r in ds.rows], dtype=np.int64)
    return ds, x, y
