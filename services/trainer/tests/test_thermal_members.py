"""The grouped-members experiment's own pieces (experiments/thermal_members.py); the network itself is tested in
test_thermal_grouped.py."""
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
