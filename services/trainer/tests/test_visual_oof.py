"""A visual model trained on every development image (`trainer train visual --all-dev DIR`) takes its combiner,
operating point and figures from the five fold models: trainer/visual/oof.py scores each image with the exported
graphs of the fold model that held it out, and refuses a folder whose repositories are not those fold models."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch  # noqa: E402
from test_cli import refusal  # noqa: E402

MANIFEST = 'a' * 64
MEMBERS = [('visual_segnet', 'LOGITS_SEG'), ('visual_patchnet', 'LOGITS_PATCH')]
HP = {'n_folds': 5, 'seed': 7}


class AllDevCliTest(unittest.TestCase):
    def test_all_dev_is_for_the_image_models_without_a_fold_or_split(self):
        self.assertIn('--all-dev applies to the image models', refusal(['train', 'electrical', '--all-dev', '/x']))
        self.assertIn('--all-dev trains on every fold', refusal(['train', 'visual', '--all-dev', '/x', '--fold', '2']))
        self.assertIn('leave --split out', refusal(['train', 'visual', '--all-dev', '/x', '--split', 'tile']))


def tiny_images(n=60, seed=0):
    """uint8 images [n,1,8,8] whose brightness follows the class (of 6), their labels, and a second 'view' of them
    (a few grey levels off, as another resampler would give)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 6
    x = np.clip(y[:, None, None, None] * 30 + rng.integers(0, 40, (n, 1, 8, 8)), 0, 255).astype(np.uint8)
    return x, y, np.clip(x.astype(int) + rng.integers(-3, 4, x.shape), 0, 255).astype(np.uint8)


def tiny_member(seed, heatmap):
    """IMAGE uint8 [B,1,8,8] -> LOGITS [B,6] (and HEATMAP [B,1,2,2]), different weights per seed."""
    import torch

    class Member(torch.nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(seed)
            self.w = torch.nn.Parameter(torch.randn(6, generator=g))
            self.b = torch.nn.Parameter(torch.randn(6, generator=g))

        def forward(self, image):
            x = image.float() / 255.0
            logits = x.mean((1, 2, 3))[:, None] * self.w * 10 + self.b
            return (logits, torch.nn.functional.avg_pool2d(x, 4)) if heatmap else logits
    return Member().eval()


def write_fold_repo(repo, fold, x, y, scope=None, manifest=MANIFEST, accuracy_offset=0.0):
    """One fold's repository: two tiny members and a combiner; records the fold ensemble's accuracy on its held-out
    images (as training would), shifted by accuracy_offset."""
    import torch
    from trainer.common import repo_writer
    from trainer.common.combiner_graph import build_combiner
    from trainer.common.onnx_check import export_torch, run_onnx
    from trainer.common.splits import stratified_holdout
    _, va = stratified_holdout(y, HP['n_folds'], fold, HP['seed'])
    feeds = {}
    for k, (name, tensor) in enumerate(MEMBERS):
        path = os.path.join(repo, 'tmp', f'{name}.onnx')
        outs = ['LOGITS', 'HEATMAP'] if name == 'visual_segnet' else ['LOGITS']
        export_torch(tiny_member(100 * fold + k, name == 'visual_segnet'), torch.zeros(2, 1, 8, 8, dtype=torch.uint8),
                     path, ['IMAGE'], outs)
        feeds[tensor] = run_onnx(path, {'IMAGE': x[va]}, ['LOGITS'])[0]['LOGITS']
        repo_writer.write_model(repo, name, 1, 'name: "x"\n', path)
    comb = os.path.join(repo, 'tmp', 'combiner.onnx')
    build_combiner(comb, [(tensor, 1.0, 0.5) for _, tensor in MEMBERS], 6, 4)
    repo_writer.write_model(repo, 'visual_combiner', 1, 'name: "x"\n', comb)
    probs = run_onnx(comb, feeds, ['PROBS'])[0]['PROBS']
    params = {'training_manifest_sha256': manifest,
              'validation_metrics_json': {'n': len(va), 'accuracy': float((probs.argmax(1) == y[va]).mean())
                                          + accuracy_offset}}
    if scope:
        params['training_scope'] = scope
    cfg = repo_writer.render_config('visual_ensemble', platform='ensemble', max_batch_size=8, inputs=[], outputs=[],
                                    parameters=params)
    repo_writer.write_model(repo, 'visual_ensemble', 1, cfg)
    return va


@requires_torch
class VisualOutOfFoldTest(unittest.TestCase):
    def setUp(self):
        self.x, self.y, self.x2 = tiny_images()
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        from trainer.visual.oof import fold_repo
        self.va = {k: write_fold_repo(fold_repo(self.dir, k), k, self.x, self.y) for k in range(5)}

    def tearDown(self):
        self.tmp.cleanup()

    def oof(self):
        from trainer.visual.oof import oof_outputs
        return oof_outputs({'sharp': self.x, 'lanczos3': self.x2}, self.y, HP, self.dir, MEMBERS, MANIFEST)

    def test_each_image_is_scored_by_the_fold_model_that_held_it_out_in_every_view(self):
        import torch
        logits, heat, accs = self.oof()
        self.assertEqual(len(accs), 5)
        self.assertEqual(heat.shape, (len(self.y), 1, 2, 2))
        for fold, va in self.va.items():
            for k, (name, _) in enumerate(MEMBERS):
                member = tiny_member(100 * fold + k, name == 'visual_segnet')
                for view, images in [('sharp', self.x), ('lanczos3', self.x2)]:
                    with torch.no_grad():
                        out = member(torch.from_numpy(images[va]))
                    expected = (out[0] if isinstance(out, tuple) else out).numpy()
                    np.testing.assert_allclose(logits[view][k][va], expected, rtol=0, atol=1e-4)
                    if isinstance(out, tuple) and view == 'sharp':
                        np.testing.assert_allclose(heat[va], out[1].numpy(), rtol=0, atol=1e-5)
        self.assertGreater(np.abs(logits['sharp'][0] - logits['lanczos3'][0]).max(), 0)   # the views differ

    def test_a_folder_without_the_five_fold_models_is_refused(self):
        import shutil
        from trainer.common.repo_config import ALL_DEV_SCOPE
        from trainer.visual.oof import fold_repo
        repo = fold_repo(self.dir, 3)
        shutil.rmtree(repo)
        with self.assertRaisesRegex(FileNotFoundError, 'visual-f3-repo'):
            self.oof()
        write_fold_repo(repo, 3, self.x, self.y, scope=ALL_DEV_SCOPE)
        with self.assertRaisesRegex(ValueError, 'trained on every development image'):
            self.oof()
        shutil.rmtree(repo)
        write_fold_repo(repo, 3, self.x, self.y, manifest='b' * 64)
        with self.assertRaisesRegex(ValueError, 'another data set'):
            self.oof()
        shutil.rmtree(repo)
        write_fold_repo(repo, 3, self.x, self.y, accuracy_offset=0.5)   # it recorded another fold's figure
        with self.assertRaisesRegex(ValueError, 'not the model that held out fold 3'):
            self.oof()


class ConfigReadingTest(unittest.TestCase):
    def test_ensemble_parameters_are_read_back_as_written(self):
        from trainer.common import repo_writer
        from trainer.visual.oof import read_ensemble_parameters
        with tempfile.TemporaryDirectory() as repo:
            cfg = repo_writer.render_config('visual_ensemble', platform='ensemble', max_batch_size=8, inputs=[],
                                            outputs=[], parameters={'training_manifest_sha256': MANIFEST,
                                                                    'validation_metrics_json': {'n': 3, 'accuracy': 0.5}})
            repo_writer.write_model(repo, 'visual_ensemble', 1, cfg)
            params = read_ensemble_parameters(repo)
        self.assertEqual(params, {'manifest': MANIFEST, 'scope': None, 'metrics': {'n': 3, 'accuracy': 0.5}})


if __name__ == '__main__':
    unittest.main()
