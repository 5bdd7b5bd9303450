"""experiments.operating_point_holdout: review bands scored on items they were not chosen on, from evaluate
reports."""
import json
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from experiments import operating_point_holdout as oph  # noqa: E402


def write_report(path, p_defect, p_good):
    items = ([{'true_class': 'Crack', 'defect_probability': float(v)} for v in p_defect]
             + [{'true_class': 'Free', 'defect_probability': float(v)} for v in p_good])
    with open(path, 'w') as f:
        json.dump({'items': items}, f)


class OperatingPointHoldoutTest(unittest.TestCase):
    def test_held_out_escapes_follow_each_rule(self):
        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for k in range(3):
                paths.append(os.path.join(d, f'fold{k}.json'))
                write_report(paths[-1], rng.beta(5, 2, 64), rng.beta(2, 5, 150))
            folds = [oph.load(path, 'Free') for path in paths]
            recall = oph.report(folds, 'recall', 0.98, 0.02, 0, 'loo')
            conformal = oph.report(folds, 'conformal', 0.98, 0.02, 0, 'loo')
        for r, c in zip(recall, conformal):
            self.assertEqual(r['defects'], 64)
            # leave one out with 63 other defects: the recall rule misses the two lowest, the shipped rule the lowest
            self.assertAlmostEqual(r['held_out'][0], 2 / 64)
            self.assertAlmostEqual(c['held_out'][0], 1 / 64)
            self.assertAlmostEqual(r['in_sample'][0], 1 / 64)
            self.assertEqual(c['in_sample'][0], 0.0)
            self.assertLessEqual(c['held_out'][1], 0.02)

    def test_split_half_scores_every_item_once_per_draw(self):
        p = np.linspace(0, 1, 200)
        d = p > 0.5
        out = oph.split_half(p, d, oph.RULES['conformal'], 0.98, 0.02, reps=3, seed=1)
        self.assertEqual(out.shape, (3,))
        self.assertTrue(np.all((0 <= out) & (out <= 1)))
        # about 50 defects per half: the band is the lowest score of one half, which about 1 in 50 of the other
        # half's defects fall below
        self.assertGreater(out[0], 0.0)
        self.assertLess(out[0], 0.04)


if __name__ == '__main__':
    unittest.main()
