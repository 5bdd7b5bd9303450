"""Train/serve skew check: decode validation images with sharp (as the gateway does) and compare the model's
answers on them with its answers on the trainer's PIL-decoded pixels."""
import json
import os
import subprocess
import tempfile

import numpy as np

TOOL = os.path.join(os.path.dirname(__file__), '..', '..', 'tools', 'sharp-decode.js')


def sharp_decode(paths, height, width, kernel, resize):
    with tempfile.TemporaryDirectory(prefix='sharp-') as tmp:
        spec = {'paths': [os.path.abspath(p) for p in paths], 'width': width, 'height': height, 'kernel': kernel,
                'resize': resize, 'out': os.path.join(tmp, 'pixels.raw')}
        spec_path = os.path.join(tmp, 'spec.json')
        with open(spec_path, 'w') as f:
            json.dump(spec, f)
        subprocess.run(['node', os.path.abspath(TOOL), spec_path], check=True)
        return np.fromfile(spec['out'], dtype=np.uint8).reshape(len(paths), 1, height, width)


def compare_pixels(a, b):
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return {'pixels_max_abs_diff': int(d.max()), 'pixels_mean_abs_diff': round(float(d.mean()), 4)}
