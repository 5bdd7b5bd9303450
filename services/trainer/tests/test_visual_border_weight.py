"""Border-weighted drawing of defect images for the PatchNets (HP['patch']['border_weight'])."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch  # noqa: E402


@requires_torch
class BorderWeightTest(unittest.TestCase):
    def setUp(self):
        from trainer.visual.train import border_touching, draw_defect_images
        self.touching, self.draw = border_touching, draw_defect_images

    def test_border_touching(self):
        masks = np.zeros((4, 32, 32), np.uint8)
        masks[0, 10:20, 10:20] = 1     # interior
        masks[1, 0, 15] = 1            # top row
        masks[2, 15, 30] = 1           # within 2 px of the right edge
        # masks[3] empty
        self.assertEqual(self.touching(masks).tolist(), [False, True, True, False])

    def test_weight_one_draws_exactly_as_before(self):
        rows = np.arange(10, 20)
        border = np.zeros(30, bool)
        border[[12, 13]] = True
        a = self.draw(rows, 50, border, 1.0, np.random.default_rng(5))
        b = np.random.default_rng(5).choice(rows, 50)
        np.testing.assert_array_equal(a, b)

    def test_border_images_are_drawn_weight_times_as_often(self):
        rows = np.arange(4)
        border = np.array([True, False, False, False])
        drawn = self.draw(rows, 40000, border, 3.0, np.random.default_rng(0))
        share = np.mean(drawn == 0)
        self.assertAlmostEqual(share, 3 / 6, delta=0.01)   # weights 3, 1, 1, 1
        self.assertTrue(set(drawn.tolist()) <= set(rows.tolist()))


if __name__ == '__main__':
    unittest.main()
