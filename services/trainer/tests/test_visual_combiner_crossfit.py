"""experiments/visual_combiner_crossfit.py: the visual combiner fitted on one half of a fold and scored on the other."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from torch_checks import requires_torch  # noqa: E402


def synthetic_fold(n=180, seed=0):
    """Labels over the 6 classes and four members' logits that favour the true class, with noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 6
    logits = []
    for strength in (1.0, 2.0, 2.5, 2.2):
        lg = rng.normal(0, 1.2, (n, 6))
        lg[np.arange(n), y] += strength
        logits.append(lg)
    return y, logits


@requires_torch
class VisualCombinerCrossfitTest(unittest.TestCase):
    def test_in_sample_figures_are_the_fit_on_the_whole_fold_and_halves_are_stratified(self):
        from experiments import visual_combiner_crossfit as vc
        y, logits = synthetic_fold()
        tensors = ['LOGITS_PATCH', 'LOGITS_PATCH_B', 'LOGITS_PATCH_C']
        out = vc.fold_figures(y, logits, tensors, draws=2, seed=0)
        self.assertEqual(set(out), set(vc.VARIANTS))
        everything = np.ones(len(y), bool)
        np.testing.assert_allclose(out['shipped'][0], vc.scores(logits, tensors, y, everything, everything, 'shipped'))
        for in_sample, crossed in out.values():
            self.assertEqual(in_sample.shape, (len(vc.KEYS),))
            self.assertTrue(0.5 < crossed[0] <= 1.0)   # accuracy well above chance on held-out halves
        a = vc.halves(y, np.random.default_rng(1))
        self.assertEqual(np.bincount(y[a], minlength=6).tolist(), [15] * 6)


if __name__ == '__main__':
    unittest.main()
