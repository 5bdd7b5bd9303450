"""The thermal capacity sweep's pieces (experiments/thermal_sweep.py): upsampling and augmentation."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch  # noqa: E402


@requires_torch
class ThermalSweepTest(unittest.TestCase):
    def setUp(self):
        global torch
        import torch

    def test_expand_upsampling_is_nearest_neighbour_and_keeps_the_deep_net_s_weights(self):
        import torch.nn.functional as F
        from experiments.thermal_sweep import UpNet
        from trainer.thermal.model import ThermalDeepNet
        torch.manual_seed(0)
        x = torch.randint(0, 256, (3, 1, 40, 24), dtype=torch.uint8)
        up, plain = UpNet(2, 12, 8, 100.0, 50.0).eval(), ThermalDeepNet(12, 8, 100.0, 50.0).eval()
        plain.load_state_dict(up.state_dict())   # same modules: the sweep's weights load into the trainer's class
        with torch.no_grad():
            z = (x.float() - 100.0) / 50.0
            expected = plain.fc(torch.cat([f(plain.body(plain.stem(F.interpolate(z, scale_factor=2, mode='nearest'))))
                                           for f in (lambda t: t.mean(dim=(2, 3)), lambda t: t.amax(dim=(2, 3)))], 1))
            torch.testing.assert_close(up(x), expected, atol=1e-5, rtol=1e-5)
            self.assertGreater(float((up(x) - plain(x)).abs().max()), 1e-4)   # the upsampling changes the output

    def test_augmentation_keeps_shape_and_range_and_only_shifts_flips_and_scales(self):
        from experiments.thermal_sweep import augment
        g = torch.Generator().manual_seed(3)
        x = torch.randint(0, 256, (64, 1, 40, 24), dtype=torch.uint8)
        out = augment(x, g)
        self.assertEqual(out.shape, (64, 1, 40, 24))
        self.assertTrue(bool((out >= 0).all() and (out <= 255).all()))
        self.assertTrue(torch.equal(out, out.round()))
        flat = torch.full((4, 1, 40, 24), 77, dtype=torch.uint8)
        self.assertTrue(torch.equal(augment(flat, g), flat.float()))   # a flat image stays flat at its level
        self.assertFalse(torch.equal(out, x.float()))


if __name__ == '__main__':
    unittest.main()
