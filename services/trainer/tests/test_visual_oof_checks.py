"""The visual out-of-fold checks' pieces (experiments/visual_oof_checks.py): image matching and heatmap scores."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from experiments.visual_oof_checks import (best_match_elsewhere, heatmap_scores, match_groups, model_file,  # noqa: E402
                                          signatures)


def texture(seed, shape=(120, 90)):
    rng = np.random.default_rng(seed)
    smooth = np.cumsum(np.cumsum(rng.normal(size=shape), 0), 1)
    return np.clip((smooth - smooth.min()) / np.ptp(smooth) * 200 + 20, 0, 255).astype(np.uint8)


class VisualOofChecksTest(unittest.TestCase):
    def setUp(self):
        a, b = texture(1), texture(2)
        # another exposure of the same tile: brighter, more contrast, slightly noisy; and of a different size
        a2 = np.clip(a.astype(np.float64) * 1.2 + 15 + np.random.default_rng(3).normal(0, 2, a.shape), 0, 255)
        b2 = np.asarray(b[::2, ::2])
        self.images = [a, a2.astype(np.uint8), b, b2, texture(4)]

    def test_signatures_are_unit_rows_that_ignore_exposure(self):
        sig = signatures(self.images)
        self.assertEqual(sig.shape, (5, 48 * 48))
        np.testing.assert_allclose(np.linalg.norm(sig, axis=1), 1.0, rtol=1e-9)
        np.testing.assert_allclose(sig.mean(1), 0.0, atol=1e-12)
        corr = sig @ sig.T
        self.assertGreater(corr[0, 1], 0.95)    # same tile, other lighting
        self.assertGreater(corr[2, 3], 0.95)    # same tile, other resolution
        self.assertLess(abs(corr[0, 2]), 0.9)   # different tiles
        self.assertLess(abs(corr[0, 4]), 0.9)

    def test_best_match_counts_only_other_folds(self):
        sig = signatures(self.images)
        best = best_match_elsewhere(sig, np.array([0, 1, 0, 0, 1]))
        self.assertGreater(best[0], 0.95)       # its twin is in fold 1
        self.assertGreater(best[1], 0.95)
        self.assertLess(best[2], 0.9)           # its twin is in its own fold
        self.assertLess(best[3], 0.9)
        np.testing.assert_array_equal(best_match_elsewhere(sig, np.zeros(5, int)), -1.0)

    def test_groups_join_matching_images_only(self):
        g = match_groups(signatures(self.images), 0.95)
        self.assertEqual(g[0], g[1])
        self.assertEqual(g[2], g[3])
        self.assertEqual(len({g[0], g[2], g[4]}), 3)

    def test_heatmap_scores(self):
        h = np.zeros((2, 1, 8, 8))
        h[0, 0, 3, 4] = 0.9
        h[1, 0] = 0.1
        h[1, 0, :2, :] = 0.5                    # 16 pixels at 0.5
        s = heatmap_scores(h)
        np.testing.assert_allclose(s['max'], [0.9, 0.5])
        np.testing.assert_allclose(s['top10'], [0.09, 0.5])
        np.testing.assert_allclose(s['mean'], [0.9 / 64, (16 * 0.5 + 48 * 0.1) / 64])

    def test_model_file_takes_the_newest_numbered_version(self):
        with tempfile.TemporaryDirectory() as repo:
            for v in ['1', '3', '10', 'notes']:
                os.makedirs(os.path.join(repo, 'visual_segnet', v))
            self.assertEqual(model_file(repo, 'visual_segnet'), os.path.join(repo, 'visual_segnet', '10', 'model.onnx'))
            os.makedirs(os.path.join(repo, 'visual_combiner'))
            with self.assertRaises(SystemExit):
                model_file(repo, 'visual_combiner')


if __name__ == '__main__':
    unittest.main()
