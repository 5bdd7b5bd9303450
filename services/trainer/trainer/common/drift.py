"""Reference distributions for drift monitoring, stored in the model config."""
import numpy as np

QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]


def distribution(values, bins):
    v = np.asarray(values, np.float64)
    hist, edges = np.histogram(v, bins=bins)
    return {'n': int(len(v)), 'mean': round(float(v.mean()), 6), 'std': round(float(v.std()), 6),
            'quantiles': {str(q): round(float(np.quantile(v, q)), 6) for q in QUANTILES},
            'histogram': {'edges': [round(float(e), 6) for e in edges], 'fractions': [round(float(h) / len(v), 6)
                                                                                    for h in hist]}}


def image_reference(x_uint8):
    """Per-image statistics of the model input (after decoding and resizing): mean and std of pixel values."""
    f = x_uint8.reshape(len(x_uint8), -1).astype(np.float32)
    return {'per_image_pixel_mean': distribution(f.mean(1), np.linspace(0, 255, 18)),
            'per_image_pixel_std': distribution(f.std(1), np.linspace(0, 128, 17))}


def min_pixel_std(x_uint8):
    """Half the least per-image pixel standard deviation of these model inputs, rounded down to 0.001: the
    gateway refuses an image whose input varies less (`input_min_pixel_std`) as a blank frame."""
    f = x_uint8.reshape(len(x_uint8), -1).astype(np.float64)
    return float(np.floor(f.std(1).min() / 2 * 1000) / 1000)


def min_source_side(paths):
    """Half the shortest side of these source images (read from their headers), rounded down: the gateway refuses an
    image whose shorter side is smaller (`input_min_source_side`), such as another station's thumbnail or another
    modality's frame, rather than stretch it to the model's input."""
    from PIL import Image
    shortest = None
    for path in paths:
        with Image.open(path) as im:
            side = min(im.size)
        shortest = side if shortest is None else min(shortest, side)
    return max(1, shortest // 2)


def score_reference(p_defect, split='validation'):
    return {'defect_probability': distribution(p_defect, np.linspace(0, 1, 21)), 'source': split,
            'suggested_test': 'population stability index over these histogram bins (PSI > 0.2: investigate)'}
