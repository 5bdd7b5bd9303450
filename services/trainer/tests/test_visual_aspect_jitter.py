"""Aspect-ratio jitter of PatchNet training patches (HP['patch']['aspect_jitter'], stretched_crop)."""
import math
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch  # noqa: E402


@requires_torch
class StretchedCropTest(unittest.TestCase):
    def setUp(self):
        from trainer.visual.train import stretched_crop
        self.crop = stretched_crop
        ys, xs = np.mgrid[0:256, 0:256]
        self.ramp_x = (xs // 2).astype(np.uint8)[None]   # grey level = x / 2, rounded down
        self.ramp_y = (ys // 2).astype(np.uint8)[None]

    def slopes(self, image, log_aspect, y0=96, x0=96):
        out = self.crop(image, y0, x0, 64, log_aspect).astype(np.float64)[0]
        self.assertEqual(out.shape, (64, 64))
        inner = out[8:-8, 8:-8]
        return np.diff(inner, axis=1).mean(), np.diff(inner, axis=0).mean()

    def test_no_stretch_is_the_plain_crop(self):
        image = np.random.default_rng(0).integers(0, 256, (1, 256, 256), dtype=np.uint8)
        np.testing.assert_array_equal(self.crop(image, 40, 70, 64, 0.0), image[:, 40:104, 70:134])

    def test_a_wide_ratio_squeezes_columns_and_stretches_rows(self):
        r = 2.0
        dx, _ = self.slopes(self.ramp_x, math.log(r))
        _, dy = self.slopes(self.ramp_y, math.log(r))
        # grey level rises 0.5 per source pixel; a window sqrt(r) times wider packs sqrt(r) source columns per pixel
        self.assertAlmostEqual(dx, 0.5 * math.sqrt(r), delta=0.03)
        self.assertAlmostEqual(dy, 0.5 / math.sqrt(r), delta=0.03)

    def test_a_tall_ratio_does_the_opposite(self):
        dx, _ = self.slopes(self.ramp_x, -math.log(2.0))
        self.assertAlmostEqual(dx, 0.5 / math.sqrt(2.0), delta=0.03)

    def test_windows_at_the_border_stay_inside_the_image(self):
        for y0, x0 in ((0, 0), (192, 192), (0, 192)):
            out = self.crop(self.ramp_x, y0, x0, 64, math.log(3.0))
            self.assertEqual(out.shape, (1, 64, 64))
            self.assertGreaterEqual(int(out.min()), 0)
        # at the right edge the window is shifted left, so the crop ends at the image's last column (grey 127)
        right = self.crop(self.ramp_x, 96, 192, 64, math.log(3.0)).astype(np.float64)[0]
        self.assertAlmostEqual(right[:, -1].mean(), 127, delta=1.5)


class JitterCardTextTest(unittest.TestCase):
    def test_the_card_names_the_jitter_only_when_it_is_on(self):
        from trainer.visual.card_text import jitter_text
        self.assertEqual(jitter_text({}), '')
        self.assertEqual(jitter_text({'aspect_jitter': 0.0}), '')
        text = jitter_text({'aspect_jitter': 0.7})
        self.assertIn('±0.7', text)
        self.assertIn('2.0 : 1', text)   # exp(0.7) = 2.01


if __name__ == '__main__':
    unittest.main()
