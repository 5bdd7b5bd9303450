"""Groups of dev images that show the same magnetic tile.

Most tiles were photographed several times under different lighting (file names exp1_... to exp6_... with nearby
numbers). A stratified split puts those exposures on both sides of the split; for a figure on tiles never seen,
the split keeps each group on one side (`HP['split'] = 'tile'`). Two images match when their correlation, both
reduced to 48 x 48 (PIL bilinear) with the mean removed, is above 0.95; groups are the connected sets of matches.

Some tiles carry different labels in different exposures. For those checks, two images show the same tile when they
match and their file numbers lie within MAX_GAP (same_tile); `HP['drop_outvoted']` leaves out of training the images
whose label the other exposures of their tile outvote (outvoted).
"""
import os
import re

import numpy as np
from PIL import Image

SIZE = 48
THRESHOLD = 0.95
MAX_GAP = 200   # a tile's exposures are numbered close together: file numbers within this keep look-alikes apart


def signatures(gray_images, size=SIZE):
    """Uint8 2-D arrays of any size -> [N, size*size] rows with zero mean and unit norm (correlation by dot)."""
    rows = []
    for a in gray_images:
        v = np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR), np.float64).ravel()
        v = v - v.mean()
        norm = np.linalg.norm(v)
        rows.append(v / norm if norm > 0 else v)
    return np.stack(rows)


def match_groups(sig, threshold=THRESHOLD):
    """Connected groups of rows whose correlation is above threshold: a label per row."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components
    return connected_components(sp.csr_matrix(sig @ sig.T > threshold), directed=False)[1]


def load_gray(paths):
    """Image files -> uint8 2-D arrays at their own size (PIL's convert('L'))."""
    gray = []
    for path in paths:
        with Image.open(path) as im:
            gray.append(np.asarray(im.convert('L')))
    return gray


def tile_groups(paths, threshold=THRESHOLD):
    """A group label per image file."""
    return match_groups(signatures(load_gray(paths)), threshold)


def file_number(path):
    """The number in magnetic-tile file names (exp3_num_116981.jpg -> 116981)."""
    found = re.search(r'num_(\d+)', os.path.basename(path))
    if found is None:
        raise ValueError(f'no tile number (num_<digits>) in file name {path!r}')
    return int(found.group(1))


def same_tile(sig, numbers, threshold=THRESHOLD, max_gap=MAX_GAP):
    """[N, N] booleans, False on the diagonal: rows that show the same tile, i.e. correlation above threshold and
    file numbers less than max_gap apart."""
    corr = sig @ sig.T
    np.fill_diagonal(corr, -1.0)
    numbers = np.asarray(numbers)
    return (corr > threshold) & (np.abs(numbers[:, None] - numbers[None, :]) < max_gap)


def label_conflicts(same, y):
    """Rows with a same-tile match (`same`, from same_tile) that carries another label."""
    y = np.asarray(y)
    return (same & (y[None, :] != y[:, None])).any(1)


def minority_labels(same, y):
    """Rows whose label is not the strict majority among the row and its same-tile matches: in a tile labelled
    Free five times and Fray once, the Fray; in a tile labelled once each way, both."""
    y = np.asarray(y)
    out = np.zeros(len(y), dtype=bool)
    for i in range(len(y)):
        counts = np.bincount(np.append(y[same[i]], y[i]))
        own = counts[y[i]]
        counts[y[i]] = 0
        out[i] = counts.max() >= own
    return out


def outvoted(paths, y, threshold=THRESHOLD, max_gap=MAX_GAP):
    """Booleans per image file: its label is not the strict majority among the other exposures of its tile in
    `paths` (minority_labels over same_tile). Only the images given take part in the vote."""
    sig = signatures(load_gray(paths))
    return minority_labels(same_tile(sig, [file_number(p) for p in paths], threshold, max_gap), y)
