"""The visual out-of-fold checks' pieces (experiments/visual_oof_checks.py): image matching and heatmap scores."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.dirname(__file__))
from experiments.visual_oof_checks import best_match_elsewhere, heatmap_scores, model_file  # noqa: E402
from trainer.visual.tiles import signatures  # noqa: E402
from test_visual_tiles import tile_images  # noqa: E402


class VisualOofChecksTest(unittest.TestCase):
    def setUp(self):
        self.images = tile_images()

    def test_best_match_counts_only_other_folds(self):
        sig = signatures(self.images)
        best = best_match_elsewhere(sig, np.array([0, 1, 0, 0, 1]))
        self.assertGreater(best[0], 0.95)       # its twin is in fold 1
        self.assertGreater(best[1], 0.95)
        self.assertLess(best[2], 0.9)           # its twin is in its own fold
        self.assertLess(best[3], 0.9)
        np.testing.assert_array_equal(best_match_elsewhere(sig, np.zeros(5, int)), -1.0)

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
