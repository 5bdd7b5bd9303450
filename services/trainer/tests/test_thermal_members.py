"""The grouped thermal ensemble (experiments/thermal_members.py): M independent members in one network."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch  # noqa: E402


@requires_torch
class ThermalMembersTest(unittest.TestCase):
    def setUp(self):
        global torch
        import torch

    def test_each_member_is_a_thermal_deep_net_on_its_own_channel(self):
        from experiments.thermal_members import GroupedDeepNet, member_state_dict
        from trainer.thermal.model import ThermalDeepNet
        torch.manual_seed(0)
        grouped = GroupedDeepNet(3, 4, 100.0, 50.0)
        with torch.no_grad():   # non-trivial batch-norm statistics
            for mod in grouped.modules():
                if isinstance(mod, torch.nn.BatchNorm2d):
                    mod.running_mean.uniform_(-0.5, 0.5)
                    mod.running_var.uniform_(0.5, 2.0)
        grouped.eval()
        x = torch.randint(0, 256, (5, 3, 40, 24)).float()
        with torch.no_grad():
            out = grouped(x)
            self.assertEqual(tuple(out.shape), (5, 3, 12))
            for k in range(3):
                single = ThermalDeepNet(12, 4, 100.0, 50.0).eval()
                single.load_state_dict(member_state_dict(grouped, k))
                torch.testing.assert_close(out[:, k], single(x[:, k:k + 1]), atol=1e-4, rtol=1e-4)
            # A member's output does not depend on the other members' channels.
            x2 = x.clone()
            x2[:, 1] = 0
            torch.testing.assert_close(grouped(x2)[:, [0, 2]], out[:, [0, 2]])

    def test_ensemble_figures_and_cutout(self):
        from experiments.thermal_members import cutout, ensemble_figures
        y = np.array([0, 1, 2, 3])
        right = np.eye(12)[y] * 5.0
        wrong = np.eye(12)[(y + 1) % 12] * 5.0
        figures = ensemble_figures(np.stack([right, wrong, right]), y)
        self.assertEqual(sorted(figures), [1, 2, 3])
        self.assertEqual(figures[1][0], 1.0)
        self.assertEqual(figures[3][0], 1.0)          # two of three members right: the mean is right
        g = torch.Generator().manual_seed(1)
        x = torch.arange(40 * 24, dtype=torch.float32).view(1, 1, 40, 24).repeat(200, 1, 1, 1)
        out = cutout(x, 10, g)
        changed = (out != x).flatten(1).any(1)
        self.assertTrue(40 < int(changed.sum()) < 160)   # about half the images
        self.assertTrue(bool(((out == x) | (out == x.mean())).all()))
        self.assertLessEqual(int((out != x).flatten(1).sum(1).max()), 11 * 11)


class SideBySideTest(unittest.TestCase):
    def test_every_configuration_runs_logs_and_failures_are_named(self):
        import tempfile
        from experiments.side_by_side import run_all
        with tempfile.TemporaryDirectory() as out:
            def argv_of(name):
                return ['-c', f"print('{name} ran'); raise SystemExit({int(name == 'bad')})"]
            failed = run_all(['ok', 'bad'], out, argv_of)
            self.assertEqual(failed, ['bad'])
            self.assertEqual(open(os.path.join(out, 'ok.log')).read(), 'ok ran\n')
            self.assertEqual(open(os.path.join(out, 'bad.log')).read(), 'bad ran\n')
