"""Shared by the PyTorch checks, which CI's fast run (no python3-torch) skips."""
import importlib.util
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))   # the trainer package

requires_torch = unittest.skipUnless(importlib.util.find_spec('torch'), 'python3-torch is not installed')


def exported_logits(net, x):
    """Exports `net` (IMAGE -> LOGITS, traced on two items) to ONNX and runs it on all of `x` (a uint8 tensor) with
    onnxruntime-node, as the served model will: the returned numpy array is to be compared with PyTorch's."""
    from trainer.common.onnx_check import export_torch, run_onnx
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'model.onnx')
        export_torch(net, x[:2], path, ['IMAGE'], ['LOGITS'])
        out, _ = run_onnx(path, {'IMAGE': x.numpy()}, ['LOGITS'])
    return out['LOGITS']


def tiny_thermal(n=96, seed=0):
    """n uint8 images [n,1,40,24] whose class (of 12) sets a bright square's position, and their labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 12
    x = rng.integers(60, 90, (n, 1, 40, 24)).astype(np.uint8)
    for i, c in enumerate(y):
        r, col = divmod(int(c), 3)
        x[i, 0, r * 10:r * 10 + 6, col * 8:col * 8 + 6] = 220
    return x, y
