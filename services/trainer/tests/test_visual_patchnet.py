"""PatchNet's mirror padding (HP['patch']['pad']): the whole-image graph pads, the training patches do not."""
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

    def crops_seen(self, pad):
        """Every training crop fit_patchnet draws, on images whose pixel value is the row index."""
        from trainer.visual import train
        n, size = 12, 96
        rows = np.broadcast_to(np.arange(size, dtype=np.uint8)[:, None], (size, size))
        images = {k: np.ascontiguousarray(np.broadcast_to(rows, (n, 1, size, size))) for k in train.KERNELS}
        y = np.arange(n) % 6
        masks = np.zeros((n, size, size), np.uint8)
        masks[y != train.FREE, :4, :4] = 1            # every defect sits in the image's top-left corner
        hp = dict(train.HP, patch=dict(train.HP['patch'], epochs=1, per_defect_class=4, negatives=8, batch=8,
                                       pad=pad, precision='fp32'))
        seen = []
        real_photometric = train.photometric

        def spy(x, r):
            seen.append(x.copy())
            return real_photometric(x, r)
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


if __name__ == '__main__':
    unittest.main()
