"""Tile groups (trainer/visual/tiles.py) and the split that keeps each group on one side (trainer/common/splits.py)."""
import csv
import os
import sys
import tempfile
import unittest

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from trainer.common.split_export import write_validation_folder  # noqa: E402
from trainer.common.splits import dev_holdout, group_holdout, stratified_holdout, with_split  # noqa: E402
from trainer.visual.card_text import outvoted_text, split_args, split_text  # noqa: E402
from trainer.visual.tiles import (file_number, label_conflicts, match_groups, minority_labels, outvoted,  # noqa: E402
                                  same_tile, signatures, tile_groups)


def texture(seed, shape=(120, 90)):
    rng = np.random.default_rng(seed)
    smooth = np.cumsum(np.cumsum(rng.normal(size=shape), 0), 1)
    return np.clip((smooth - smooth.min()) / np.ptp(smooth) * 200 + 20, 0, 255).astype(np.uint8)


def exposure(a, gain, offset, seed):
    noisy = a.astype(np.float64) * gain + offset + np.random.default_rng(seed).normal(0, 2, a.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def tile_images():
    """Five images: 0 and 1 one tile under two lightings, 2 and 3 one tile at two resolutions, 4 another tile."""
    a, b = texture(1), texture(2)
    return [a, exposure(a, 1.2, 15, 3), b, b[::2, ::2].copy(), texture(4)]


class TileGroupsTest(unittest.TestCase):
    def setUp(self):
        self.images = tile_images()

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

    def test_groups_join_matching_images_only(self):
        g = match_groups(signatures(self.images), 0.95)
        self.assertEqual(g[0], g[1])
        self.assertEqual(g[2], g[3])
        self.assertEqual(len({g[0], g[2], g[4]}), 3)

    def test_tile_groups_reads_files(self):
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i, a in enumerate(self.images):
                paths.append(os.path.join(d, f'{i}.png'))
                Image.fromarray(a).save(paths[-1])
            np.testing.assert_array_equal(tile_groups(paths), match_groups(signatures(self.images)))


class SameTileLabelsTest(unittest.TestCase):
    def setUp(self):
        self.sig = signatures(tile_images())

    def test_same_tile_needs_a_match_close_in_number(self):
        same = same_tile(self.sig, [100, 130, 5000, 5030, 9000])
        self.assertTrue(same[0, 1] and same[1, 0] and same[2, 3])
        self.assertFalse(same.diagonal().any())
        self.assertEqual(int(same.sum()), 4)
        # the same pictures numbered far apart are other tiles
        self.assertFalse(same_tile(self.sig, [100, 900, 5000, 5300, 9000]).any())

    def test_label_conflicts_mark_both_sides(self):
        same = same_tile(self.sig, [100, 130, 5000, 5030, 9000])
        np.testing.assert_array_equal(label_conflicts(same, [0, 1, 2, 2, 0]), [True, True, False, False, False])

    def test_minority_labels_drop_the_outvoted_and_both_sides_of_a_tie(self):
        same = np.zeros((6, 6), dtype=bool)
        same[:4, :4] = True                      # one tile, four exposures: three say 4, one says 3
        same[4:, 4:] = True                      # another tile, two exposures that disagree
        np.fill_diagonal(same, False)
        y = np.array([4, 4, 3, 4, 1, 2])
        np.testing.assert_array_equal(minority_labels(same, y), [False, False, True, False, True, True])
        np.testing.assert_array_equal(minority_labels(np.zeros((2, 2), dtype=bool), [0, 1]), [False, False])

    def test_outvoted_reads_files_and_tile_numbers(self):
        images = tile_images()
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i, (a, number) in enumerate(zip(images, [100, 130, 5000, 5030, 9000])):
                paths.append(os.path.join(d, f'exp{i}_num_{number}.png'))
                Image.fromarray(a).save(paths[-1])
            # 0 and 1 disagree (a tie: both out); 2 and 3 agree; 4 stands alone
            np.testing.assert_array_equal(outvoted(paths, [0, 1, 2, 2, 0]), [True, True, False, False, False])
        self.assertEqual(file_number('images/Break/exp3_num_116981.jpg'), 116981)
        with self.assertRaisesRegex(ValueError, 'no tile number'):
            file_number('images/Break/photo.jpg')


class GroupSplitTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.groups = np.repeat(np.arange(150), rng.integers(1, 7, 150))   # 150 tiles, 1-6 exposures each
        tile_class = rng.choice(3, 150, p=[0.6, 0.25, 0.15])
        self.y = tile_class[self.groups]
        self.hp = {'n_folds': 5, 'fold': 0, 'seed': 7}

    def test_groups_never_straddle_and_folds_cover_everything_once(self):
        seen = []
        for k in range(5):
            tr, va = group_holdout(self.y, self.groups, 5, k, 7)
            self.assertEqual(set(self.groups[tr]) & set(self.groups[va]), set())
            self.assertEqual(len(tr) + len(va), len(self.y))
            for c in range(3):                  # every class in every validation fold
                self.assertGreater(np.sum(self.y[va] == c), 0)
            seen.extend(va)
        self.assertEqual(sorted(seen), list(range(len(self.y))))

    def test_stratified_split_does_straddle_groups(self):
        tr, va = stratified_holdout(self.y, 5, 0, 7)
        self.assertNotEqual(set(self.groups[tr]) & set(self.groups[va]), set())

    def test_dev_holdout_follows_the_split_setting(self):
        tr, va = dev_holdout(self.y, self.hp)
        np.testing.assert_array_equal(va, stratified_holdout(self.y, 5, 0, 7)[1])
        tile = with_split(self.hp, 'tile')
        self.assertEqual(tile['split'], 'tile')
        self.assertIs(with_split(self.hp, None), self.hp)
        np.testing.assert_array_equal(dev_holdout(self.y, tile, self.groups)[1],
                                      group_holdout(self.y, self.groups, 5, 0, 7)[1])
        with self.assertRaises(ValueError):
            dev_holdout(self.y, tile)            # a tile split needs the groups
        with self.assertRaises(ValueError):
            with_split(self.hp, 'random')

    def test_split_export_writes_the_tile_fold(self):
        with tempfile.TemporaryDirectory() as d:
            src, out = os.path.join(d, 'data'), os.path.join(d, 'out')
            os.makedirs(os.path.join(src, 'images'))
            with open(os.path.join(src, 'manifest.csv'), 'w', newline='') as f:
                w = csv.writer(f)
                w.writerow(['path', 'class', 'split'])
                for i, c in enumerate(self.y):
                    open(os.path.join(src, 'images', f'{i}.jpg'), 'wb').close()
                    w.writerow([f'images/{i}.jpg', 'abc'[c], 'dev'])
            hp = dict(with_split(self.hp, 'tile'), fold=2)
            n = write_validation_folder(src, out, ['a', 'b', 'c'], hp, groups_of=lambda ds: self.groups)
            with open(os.path.join(out, 'manifest.csv')) as f:
                rows = list(csv.DictReader(f))
            va = group_holdout(self.y, self.groups, 5, 2, 7)[1]
            self.assertEqual(n, len(va))
            self.assertEqual([r['path'] for r in rows], [f'images/{i}.jpg' for i in va])
            self.assertEqual({r['split'] for r in rows}, {'validation-fold2-tile'})
            self.assertTrue(os.path.islink(os.path.join(out, rows[0]['path'])))


class TileSplitCardTest(unittest.TestCase):
    def test_the_card_names_the_split_and_the_command_that_writes_its_fold(self):
        hp = {'n_folds': 5, 'fold': 0, 'split': 'stratified'}
        self.assertEqual(split_text(hp), 'Stratified 5-fold split')
        self.assertEqual(split_args(hp), '')    # the shipped fold: the card's command is unchanged
        tile = dict(hp, fold=3, split='tile')
        self.assertTrue(split_text(tile).startswith('5-fold split grouped by tile'))
        self.assertEqual(split_args(tile), ' --fold 3 --split tile')

    def test_the_card_says_when_outvoted_images_left_training(self):
        self.assertEqual(outvoted_text({'drop_outvoted': False}), '')
        self.assertIn("HP['drop_outvoted']", outvoted_text({'drop_outvoted': True}))


if __name__ == '__main__':
    unittest.main()
