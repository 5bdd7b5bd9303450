"""A thermal model trained on every development image (`trainer train thermal --all-dev DIR`) takes its calibration
and figures from the five fold models: trainer/thermal/oof.py scores each item with the fold model that held it out."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch, tiny_thermal  # noqa: E402
from test_cli import refusal  # noqa: E402


class AllDevCliTest(unittest.TestCase):
    def test_all_dev_excludes_a_fold(self):
        self.assertIn('--all-dev trains on every fold', refusal(['train', 'thermal', '--all-dev', '/x', '--fold', '1']))


@requires_torch
class OutOfFoldTest(unittest.TestCase):
    SPEC = {'name': 'thermal_members', 'members': 2, 'width': 4, 'blocks': (1, 1, 1), 'epochs': 1, 'lr': 3e-3,
            'seed_offset': 0, 'class_weight_power': 0.25, 'offset_jitter': 0.0}
    HP = {'n_folds': 5, 'seed': 3, 'grouped': SPEC}

    def fold_models(self, d, x, y):
        """Trains and compacts one tiny grouped member per fold into d; returns {fold: served model}."""
        import torch
        from trainer.common.splits import stratified_holdout
        from trainer.thermal.grouped import compact, fit_grouped
        from trainer.thermal.train import class_weights
        models = {}
        for fold in range(5):
            tr, va = stratified_holdout(y, 5, fold, self.HP['seed'])
            ckpt = os.path.join(d, f'work{fold}')
            torch.manual_seed(fold)
            models[fold] = fit_grouped(x, y, tr, va, ckpt, self.SPEC, 10 + fold, class_weights(y[tr], 12, 0.25),
                                       batch=16, weight_decay=5e-4, label_smoothing=0.05, log=lambda m: None,
                                       device='cpu', precision='fp32')
            compact(ckpt, 'thermal_members', os.path.join(d, f'thermal_members_f{fold}.pt'))
        return models

    def test_each_item_is_scored_by_the_fold_model_that_held_it_out(self):
        import torch
        from trainer.common.splits import stratified_holdout
        from trainer.thermal.oof import oof_logits
        from trainer.thermal.train import predict_logits
        x, y = tiny_thermal(n=120, seed=1)
        with tempfile.TemporaryDirectory() as d:
            models = self.fold_models(d, x, y)
            lg, accs = oof_logits(x, y, self.HP, d)
            self.assertEqual(lg.shape, (len(y), 12))
            for fold, model in models.items():
                _, va = stratified_holdout(y, 5, fold, self.HP['seed'])
                for k, v in model.net.state_dict().items():   # the checkpoint keeps fp16 weights
                    if v.is_floating_point():
                        v.copy_(v.half().float())
                with torch.inference_mode():
                    expected = predict_logits(model, x[va])
                np.testing.assert_allclose(lg[va], expected, rtol=0, atol=1e-5)
                self.assertAlmostEqual(accs[fold], float((expected.argmax(1) == y[va]).mean()))
                other = predict_logits(models[(fold + 1) % 5], x[va])
                self.assertGreater(np.abs(lg[va] - other).max(), 1e-3)   # another fold's model gives other logits

    def test_a_missing_or_unfinished_fold_checkpoint_is_refused(self):
        import torch
        from trainer.thermal.oof import fold_checkpoint, oof_logits
        x, y = tiny_thermal(n=120, seed=1)
        with tempfile.TemporaryDirectory() as d:
            self.fold_models(d, x, y)
            path = fold_checkpoint(d, 3)
            state = torch.load(path)
            torch.save(dict(state, epoch=0), path)
            with self.assertRaisesRegex(ValueError, 'stopped at epoch 0 of 1'):
                oof_logits(x, y, self.HP, d)
            os.remove(path)
            with self.assertRaisesRegex(FileNotFoundError, 'thermal_members_f3.pt'):
                oof_logits(x, y, self.HP, d)


if __name__ == '__main__':
    unittest.main()
