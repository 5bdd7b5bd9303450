"""experiments/visual_auroc_losses.py: the defect images that lose (defect, Free) pairs, and their border distance."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from experiments.visual_auroc_losses import border_distance, lost_pairs, pair_count  # noqa: E402


def item(name, cls, p):
    return {'id': name, 'true_class': cls, 'defect_probability': p}


class LostPairsTest(unittest.TestCase):
    items = [item('f1', 'Free', 0.01), item('f2', 'Free', 0.30), item('f3', 'Free', 0.50),
             item('d1', 'Crack', 0.90), item('d2', 'Break', 0.20), item('d3', 'Fray', 0.005), item('d4', 'Crack', 0.50)]

    def test_each_defect_loses_the_good_items_above_it_and_ties_count_half(self):
        losses = [(n, it['id']) for n, it in lost_pairs(self.items)]
        self.assertEqual(losses, [(3.0, 'd3'), (2.0, 'd2'), (0.5, 'd4')])   # d1 outranks every Free image

    def test_lost_pairs_agree_with_the_auroc(self):
        lost = sum(n for n, _ in lost_pairs(self.items))
        good = [it['defect_probability'] for it in self.items if it['true_class'] == 'Free']
        bad = [it['defect_probability'] for it in self.items if it['true_class'] != 'Free']
        auroc = np.mean([1.0 if b > g else 0.5 if b == g else 0.0 for b in bad for g in good])
        self.assertEqual(pair_count(self.items), 12)
        self.assertAlmostEqual(1 - lost / pair_count(self.items), auroc)

    def test_border_distance(self):
        mask = np.zeros((10, 20), bool)
        self.assertIsNone(border_distance(mask))
        mask[4:6, 7:9] = True
        self.assertEqual(border_distance(mask), 4)    # rows 4-5 of 10: 4 above, 4 below
        mask[9, 12] = True
        self.assertEqual(border_distance(mask), 0)    # a pixel on the bottom row touches the border


if __name__ == '__main__':
    unittest.main()
