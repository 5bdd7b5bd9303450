"""Groups of dev images that show the same magnetic tile.

Most tiles were photographed several times under different lighting (file names exp1_... to exp6_... with nearby
numbers). A stratified split puts those exposures on both sides of the split; for a figure on tiles never seen,
the split keeps each group on one side (`HP['split'] = 'tile'`). Two images match when their correlation, both
reduced to 48 x 48 (PIL bilinear) with the mean removed, is above 0.95; groups are the connected sets of matches.
"""
import numpy as np
from PIL import Image

SIZE = 48
THRESHOLD = 0.95


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
