"""Loads magnetic-tile images and masks through the manifest, resized to the model's input size."""
import numpy as np
from PIL import Image

from ..common.manifest import read_dataset

CLASS_NAMES = ['Blowhole', 'Break', 'Crack', 'Fray', 'Free', 'Uneven']
GOOD_CLASS = 'Free'
DEFECT_CLASSES = [c for c in CLASS_NAMES if c != GOOD_CLASS]
SIZE = 256  # model input: 256 x 256, aspect ratio not kept (sharp fit 'fill')

# Serve-time decoding and resizing is sharp's (kernel lanczos3, fit 'fill'). The networks trained on PIL Lanczos and
# bilinear resizes (so they tolerate resampler differences); the image heads, calibration, thresholds and all
# validation figures use the sharp-decoded pixels (key 'sharp'), exactly what the gateway sends.
RESAMPLERS = {'lanczos3': Image.LANCZOS, 'bilinear': Image.BILINEAR}


def decode_gray(path, size=SIZE, kernel='lanczos3'):
    with Image.open(path) as im:
        return np.asarray(im.convert('L').resize((size, size), RESAMPLERS[kernel]), dtype=np.uint8)


def decode_mask(path, size=SIZE):
    with Image.open(path) as im:
        m = np.asarray(im.convert('L').resize((size, size), Image.BILINEAR), dtype=np.uint8)
    return (m >= 128).astype(np.uint8)


def load(root, size=SIZE):
    """Returns dataset, images {'lanczos3'|'bilinear' (PIL), 'sharp': uint8 [N,1,S,S]}, masks [N,S,S] (0/1), labels."""
    ds = read_dataset(root)
    unknown = sorted({r['class'] for r in ds.rows} - set(CLASS_NAMES))
    if unknown:
        raise ValueError(f'unknown classes in manifest: {unknown}')
    images = {k: np.stack([decode_gray(ds.path(r['path']), size, k) for r in ds.rows])[:, None]
              for k in RESAMPLERS}
    masks = np.stack([decode_mask(ds.path(r['mask']), size) if r.get('mask') else np.zeros((size, size), np.uint8)
                      for r in ds.rows])
    from ..common.serve_check import sharp_decode
    images['sharp'] = sharp_decode([ds.path(r['path']) for r in ds.rows], size, size, 'lanczos3', True)
    y = np.array([CLASS_NAMES.index(r['class']) for r in ds.rows], dtype=np.int64)
    return ds, images, masks, y
