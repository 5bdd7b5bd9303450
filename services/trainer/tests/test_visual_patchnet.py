"""PatchNet's padding (HP['patch']['pad'], mirrored or a constant): the whole-image graph pads, the training patches
do not; with a constant, training patches mark their pixels outside the image."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import exported_logits, requires_torch  # noqa: E402


@requires_torch
class PatchNetPaddingTest(unittest.TestCase):
    def setUp(self):
        global torch
        import torch

    def nets(self):
        from trainer.visual.models import PatchNet
        torch.manual_seed(0)
        plain = PatchNet(100.0, 40.0).eval()
        padded = PatchNet(100.0, 40.0, pad=32).eval()
        padded.load_state_dict(plain.state_dict())   # the padding adds no weights
        return plain, padded

    def test_whole_image_windows_cover_the_mirrored_border_and_patches_are_unchanged(self):
        import torch.nn.functional as F
        plain, padded = self.nets()
        x = torch.randint(0, 256, (2, 1, 128, 128), dtype=torch.uint8)
        with torch.no_grad():
            self.assertEqual(tuple(plain.window_logits(x).shape), (2, 6, 9, 9))
            self.assertEqual(tuple(padded.window_logits(x).shape), (2, 6, 17, 17))
            mirrored = F.pad((x.float() - 100.0) / 40.0, [32] * 4, mode='reflect')
            torch.testing.assert_close(padded.window_logits(x), plain.windows(mirrored))
            patch = x[:, :, :64, :64]
            torch.testing.assert_close(padded.patch_logits(patch), plain.patch_logits(patch))
            self.assertFalse(torch.allclose(padded(x), plain(x)))

    def test_exported_graph_pads_like_pytorch(self):
        _, padded = self.nets()
        x = torch.randint(0, 256, (3, 1, 128, 128), dtype=torch.uint8)
        with torch.no_grad():
            np.testing.assert_allclose(exported_logits(padded, x), padded(x).numpy(), atol=1e-4)

    def test_constant_padding_marks_the_outside_in_graph_and_patches(self):
        import torch.nn.functional as F
        from trainer.visual.models import PatchNet
        plain, _ = self.nets()
        constant = PatchNet(100.0, 40.0, pad=32, pad_value=-5.0).eval()
        constant.load_state_dict(plain.state_dict())
        x = torch.randint(0, 256, (2, 1, 128, 128), dtype=torch.uint8)
        with torch.no_grad():
            framed = F.pad((x.float() - 100.0) / 40.0, [32] * 4, value=-5.0)
            torch.testing.assert_close(constant.window_logits(x), plain.windows(framed))
            np.testing.assert_allclose(exported_logits(constant, x), constant(x).numpy(), atol=1e-4)
            # A training patch reaching 32 px past the top-left corner: NaN pixels take the constant.
            patch = x[:, :, :64, :64].float()
            patch[:, :, :32, :] = float('nan')
            patch[:, :, :, :32] = float('nan')
            expected = framed[:, :, :64, :64]
            torch.testing.assert_close(constant.patch_logits(patch), plain.windows(expected).flatten(2).mean(2),
                                       atol=1e-3, rtol=1e-3)
            # Whole patches (no NaN) are classified as the plain network does.
            whole = x[:, :, :64, :64]
            torch.testing.assert_close(constant.patch_logits(whole), plain.patch_logits(whole))

    def test_mark_outside_follows_the_flips(self):
        from trainer.visual.train import inside_map, mark_outside
        inside = inside_map(8, 2)
        self.assertEqual(int((inside > 0).sum()), 16)
        self.assertEqual(inside[0, 2:6, 2:6].min(), 255)
        xb = np.full((2, 1, 4, 4), 7, np.uint8)
        ins = np.stack([inside[:, :4, :4]] * 2)          # top-left corner: rows and columns 0-1 outside
        out = mark_outside(xb, ins, np.array([False, True]), np.array([False, True])).numpy()
        self.assertTrue(np.isnan(out[0, 0, :2]).all() and np.isnan(out[0, 0, :, :2]).all())
        self.assertEqual(out[0, 0, 2:, 2:].tolist(), [[7.0, 7.0]] * 2)
        self.assertTrue(np.isnan(out[1, 0, 2:]).all() and np.isnan(out[1, 0, :, 2:]).all())   # flipped both ways
        self.assertEqual(out[1, 0, :2, :2].tolist(), [[7.0, 7.0]] * 2)

    def crops_seen(self, pad, pad_value=None, flat=False):
        """Every training crop fit_patchnet draws, on images whose pixel value is the row index (flat: 200 everywhere,
        without aspect jitter)."""
        from trainer.visual import train
        n, size = 12, 96
        rows = np.broadcast_to(np.arange(size, dtype=np.uint8)[:, None], (size, size))
        if flat:
            rows = np.full((size, size), 200, np.uint8)
        images = {k: np.ascontiguousarray(np.broadcast_to(rows, (n, 1, size, size))) for k in train.KERNELS}
        y = np.arange(n) % 6
        masks = np.zeros((n, size, size), np.uint8)
        masks[y != train.FREE, :4, :4] = 1            # every defect sits in the image's top-left corner
        hp = dict(train.HP, patch=dict(train.HP['patch'], epochs=1, per_defect_class=4, negatives=8, batch=8,
                                       pad=pad, pad_value=pad_value, precision='fp32',
                                       aspect_jitter=0.0 if flat else train.HP['patch']['aspect_jitter']))
        seen = []
        real_photometric = train.photometric

        def spy(x, r):
            out = real_photometric(x, r)
            seen.append(x.copy())
            return out
        train.photometric = spy
        try:
            with tempfile.TemporaryDirectory() as d:
                model = train.fit_patchnet(images, masks, y, np.arange(n), d, hp, 100.0, 40.0)
        finally:
            train.photometric = real_photometric
        self.assertEqual(model.pad, pad)
        crops = np.concatenate(seen)
        self.assertEqual(crops.shape[1:], (1, 64, 64))
        return crops

    def test_training_crops_come_from_the_mirror_padded_image(self):
        def mirrored(crops):  # a crop reaching past the top edge holds rows ... 2, 1, 0, 1, 2 ...
            return int((np.diff(crops[:, 0, :, 0].astype(int), axis=1) < 0).any(axis=1).sum())
        self.assertGreater(mirrored(self.crops_seen(32)), 0)
        self.assertEqual(mirrored(self.crops_seen(0)), 0)

    def test_constant_padding_trains_on_patches_reaching_outside_the_image(self):
        from trainer.visual import train
        seen_inputs = []
        real_mark = train.mark_outside

        def spy(xb, inside, hf, vf):
            out = real_mark(xb, inside, hf, vf)
            seen_inputs.append(out)
            return out
        train.mark_outside = spy
        try:
            crops = self.crops_seen(32, -5.0, flat=True)
        finally:
            train.mark_outside = real_mark
        x = torch.cat(seen_inputs)
        self.assertEqual(len(x), len(crops))
        outside = torch.isnan(x).flatten(1).any(1)
        self.assertGreater(int(outside.sum()), 0)                    # some patches reach past the border
        self.assertLess(int(outside.sum()), len(x))
        # The padding is black (0) in the uint8 crops of these flat images: as many pixels as the inputs mark NaN.
        zeros = torch.from_numpy((crops == 0).reshape(len(crops), -1).sum(1))
        self.assertEqual(torch.isnan(x).flatten(1).sum(1).tolist(), zeros.tolist())
        self.assertEqual(int(((crops != 0) & (crops != 200)).sum()), 0)


class PadTextTest(unittest.TestCase):
    def test_the_card_says_how_the_image_is_padded(self):
        from trainer.visual.card_text import pad_text
        self.assertEqual(pad_text({'pad': 0}), '')
        self.assertIn('mirror-padded by 32 px', pad_text({'pad': 32}))
        self.assertIn('padded with the constant -5.0', pad_text({'pad': 32, 'pad_value': -5.0}))


if __name__ == '__main__':
    unittest.main()
