"""Fast checks of the pieces every export relies on: /usr/bin/python3 -m unittest discover -s tests"""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from trainer.common import calibration, repo_writer  # noqa: E402
from trainer.common.combiner_graph import build_combiner, combine_numpy  # noqa: E402
from trainer.common.onnx_check import run_onnx  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import exported_logits  # noqa: E402


class ConfigWriterTest(unittest.TestCase):
    def test_json_parameters_are_escaped_and_keys_checked(self):
        text = repo_writer.render_config(
            'm', platform='onnxruntime_onnx', max_batch_size=4,
            inputs=[{'name': 'IMAGE', 'type': 'uint8', 'dims': [1, 8, 8]}],
            outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [2], 'label_filename': 'labels.txt'}],
            parameters={'class_names_json': ['a', 'b"c'], 'review_threshold': 0.25})
        self.assertIn('string_value: "[\\"a\\",\\"b\\\\\\"c\\"]"', text)
        self.assertIn('string_value: "0.25"', text)
        with self.assertRaises(ValueError):
            repo_writer.render_config('m', platform='x', max_batch_size=1, inputs=[], outputs=[],
                                      parameters={'Bad-Key': 1})

    def test_next_version(self):
        with tempfile.TemporaryDirectory() as repo:
            self.assertEqual(repo_writer.next_version(repo, 'x'), 1)
            os.makedirs(os.path.join(repo, 'x', '3'))
            self.assertEqual(repo_writer.next_version(repo, 'x'), 4)


class CalibrationTest(unittest.TestCase):
    def test_temperature_recovers_scale(self):
        rng = np.random.default_rng(0)
        true_logits = rng.normal(size=(4000, 3)) * 2
        y = np.array([rng.choice(3, p=np.exp(l) / np.exp(l).sum()) for l in true_logits])
        t = calibration.fit_temperature(true_logits * 3, y)
        self.assertAlmostEqual(t, 3.0, delta=0.35)

    def test_class_bias_recovers_a_shifted_prior_and_leaves_other_classes_alone(self):
        rng = np.random.default_rng(4)
        true_logits = rng.normal(size=(6000, 4)) * 2
        y = np.array([rng.choice(4, p=np.exp(l) / np.exp(l).sum()) for l in true_logits])
        shifted = true_logits.copy()
        shifted[:, 2] += 0.7   # a model that over-predicts class 2
        bias = calibration.fit_class_bias(shifted, y, [2])
        self.assertAlmostEqual(bias[2], -0.7, delta=0.1)
        self.assertEqual(list(bias[[0, 1, 3]]), [0.0, 0.0, 0.0])
        lp = lambda z: (z - np.log(np.exp(z).sum(1, keepdims=True)))[np.arange(len(y)), y].mean()  # noqa: E731
        self.assertGreater(lp(shifted + bias), lp(shifted))
        self.assertEqual(list(calibration.fit_class_bias(shifted, y, [])), [0.0] * 4)

    def test_operating_point_meets_recall(self):
        rng = np.random.default_rng(1)
        d = rng.random(1000) < 0.3
        p = np.clip(rng.normal(0.3 + 0.4 * d, 0.15), 0, 1)
        ops = calibration.operating_point(p, d, 0.98, 0.05)
        self.assertGreaterEqual((p[d] >= ops['review_threshold']).mean(), 0.98)
        self.assertLessEqual((p[~d] >= ops['fail_threshold']).mean(), 0.05)
        self.assertLessEqual(ops['review_threshold'], ops['fail_threshold'])

    def test_allowed_misses_bound_the_unseen_escape_rate(self):
        # (k+1)/(n+1) <= 1 - recall, largest such k; too few defects for any bound: 0
        self.assertEqual(calibration.allowed_misses(64, 0.98), 0)     # 1/65 = 1.5 %; recall alone would allow 1
        self.assertEqual(calibration.allowed_misses(1601, 0.98), 31)  # 32/1602 = 2.0 %; recall alone 32
        self.assertEqual(calibration.allowed_misses(99, 0.98), 1)     # 2/100 exactly
        self.assertEqual(calibration.allowed_misses(252, 0.9), 24)
        self.assertEqual(calibration.allowed_misses(10, 0.98), 0)

    def test_review_threshold_keeps_unseen_escapes_within_the_target(self):
        # Validation and unseen defects drawn from one distribution: over many draws of 64 validation defects the
        # share of unseen defects scored below the review threshold stays within 2 %; requiring 98 % recall on
        # validation alone (one miss allowed) lets about 3 % through.
        rng = np.random.default_rng(5)
        # Likewise unseen good items failed stay within the false-reject target (0.02, 150 validation good items).
        escapes, recall_only, rejects = [], [], []
        for _ in range(400):
            p = np.concatenate([rng.beta(5, 2, 64), rng.beta(2, 5, 150)])
            d = np.arange(len(p)) < 64
            ops = calibration.operating_point(p, d, 0.98, 0.02)
            unseen = rng.beta(5, 2, 2000)
            escapes.append((unseen < ops['review_threshold']).mean())
            recall_only.append((unseen < np.sort(p[d])[1]).mean())
            rejects.append((rng.beta(2, 5, 2000) >= ops['fail_threshold']).mean())
            self.assertGreaterEqual((p[d] >= ops['review_threshold']).mean(), 0.98)
            self.assertLessEqual((p[~d] >= ops['fail_threshold']).mean(), 0.02)
        self.assertLess(np.mean(escapes), 0.02)
        self.assertGreater(np.mean(recall_only), 0.025)
        self.assertLessEqual(np.mean(rejects), 0.0205)
        self.assertGreater(np.mean(rejects), 0.015)

    def test_model_cards_state_the_review_rule_and_its_bound(self):
        from trainer.common.card import review_rule_text
        text = review_rule_text(1601, 0.98, 'anomalous module', 'anomalous modules')
        self.assertIn('32nd lowest score of the 1601 validation anomalous modules', text)
        self.assertIn('32/1602 = 2.0 %', text)
        self.assertNotIn('too few', text)
        small = review_rule_text(30, 0.98, 'defect image', 'defect images')
        self.assertIn('the lowest score of the 30', small)
        self.assertIn('1/31 = 3.2 %', small)
        self.assertIn('too few validation items', small)

    def test_operating_point_over_views_holds_on_each_view(self):
        rng = np.random.default_rng(3)
        d = rng.random(400) < 0.3
        p = np.clip(rng.normal(0.3 + 0.4 * d, 0.15), 0, 1)
        q = np.clip(p + rng.normal(0, 0.08, len(p)), 0, 1)   # the same items, perturbed
        ops = calibration.operating_point_views([p, q], d, 0.98, 0.05)
        for v in (p, q):
            self.assertGreaterEqual((v[d] >= ops['review_threshold']).mean(), 0.98)
            self.assertLessEqual((v[~d] >= ops['fail_threshold']).mean(), 0.05)
        alone = calibration.operating_point(p, d, 0.98, 0.05)
        self.assertLessEqual(ops['review_threshold'], alone['review_threshold'])
        self.assertGreaterEqual(ops['fail_threshold'], alone['fail_threshold'])
        # one view: the same as operating_point
        self.assertEqual(calibration.operating_point_views([p], d, 0.98, 0.05), alone)


class CombinerGraphTest(unittest.TestCase):
    def test_onnx_matches_numpy(self):
        rng = np.random.default_rng(2)
        a, b = rng.normal(size=(7, 4)).astype(np.float32), rng.normal(size=(7, 4)).astype(np.float32)
        members = [('A', 1.7, 0.25), ('B', 0.8, 0.75)]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'c.onnx')
            build_combiner(path, members, 4, 2)
            out, _ = run_onnx(path, {'A': a, 'B': b}, ['PROBS', 'DEFECT_PROB'])
        probs, p_def = combine_numpy([a, b], members, 2)
        np.testing.assert_allclose(out['PROBS'], probs, atol=1e-6)
        np.testing.assert_allclose(out['DEFECT_PROB'], p_def, atol=1e-6)

    def test_class_bias_in_the_graph_matches_numpy(self):
        rng = np.random.default_rng(5)
        a, b = rng.normal(size=(9, 4)).astype(np.float32), rng.normal(size=(9, 4)).astype(np.float32)
        members, bias = [('A', 1.2, 0.5), ('B', 0.9, 0.5)], np.array([0.0, 0.0, -0.6, 0.0])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'c.onnx')
            build_combiner(path, members, 4, 2, final_temperature=1.3, class_bias=bias)
            out, _ = run_onnx(path, {'A': a, 'B': b}, ['PROBS', 'DEFECT_PROB'])
        probs, p_def = combine_numpy([a, b], members, 2, 1.3, bias)
        np.testing.assert_allclose(out['PROBS'], probs, atol=1e-6)
        np.testing.assert_allclose(out['DEFECT_PROB'], p_def, atol=1e-6)
        plain, _ = combine_numpy([a, b], members, 2, 1.3)
        self.assertTrue((probs[:, 2] < plain[:, 2]).all())   # the bias lowered class 2 everywhere


    def test_log_linear_pooling_in_the_graph_matches_numpy_and_is_the_weighted_geometric_mean(self):
        rng = np.random.default_rng(8)
        a, b, c = (rng.normal(scale=3, size=(11, 4)).astype(np.float32) for _ in range(3))
        members, bias = [('A', 1.4, 0.25), ('B', 0.7, 0.375), ('C', 1.1, 0.375)], np.array([0.0, 0.0, -0.4, 0.0])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'c.onnx')
            build_combiner(path, members, 4, 2, final_temperature=0.9, class_bias=bias, pooling='log-linear')
            out, _ = run_onnx(path, {'A': a, 'B': b, 'C': c}, ['PROBS', 'DEFECT_PROB'])
        probs, p_def = combine_numpy([a, b, c], members, 2, 0.9, bias, pooling='log-linear')
        np.testing.assert_allclose(out['PROBS'], probs, atol=1e-6)
        np.testing.assert_allclose(out['DEFECT_PROB'], p_def, atol=1e-6)
        # Without temperature or bias: the members' weighted geometric mean, renormalized.
        from scipy.special import softmax
        geo = np.prod([softmax(x / t, axis=1) ** w for x, (_, t, w) in zip([a, b, c], members)], axis=0)
        plain, _ = combine_numpy([a, b, c], members, 2, pooling='log-linear')
        np.testing.assert_allclose(plain, geo / geo.sum(1, keepdims=True), rtol=1e-5)
        # One member sure of class 0 moves the pool further towards it than a mean does.
        sure = np.array([[9.0, 0, 0, 0]], np.float32)
        doubt = np.array([[0.0, 0.4, 0.4, 0]], np.float32)
        mix = [('A', 1.0, 0.5), ('B', 1.0, 0.5)]
        linear, _ = combine_numpy([sure, doubt], mix, 2)
        geometric, _ = combine_numpy([sure, doubt], mix, 2, pooling='log-linear')
        self.assertGreater(geometric[0, 0], linear[0, 0])
        with self.assertRaises(ValueError):
            combine_numpy([a], members[:1], 2, pooling='median')


class FoldTest(unittest.TestCase):
    def test_with_fold_holds_out_another_fold_and_refuses_one_out_of_range(self):
        from trainer.common.splits import stratified_holdout, with_fold
        hp = {'n_folds': 5, 'fold': 0, 'seed': 1}
        self.assertIs(with_fold(hp, None), hp)
        self.assertEqual(with_fold(hp, 3)['fold'], 3)
        self.assertEqual(hp['fold'], 0)   # the shipped hyper-parameters are left alone
        with self.assertRaises(ValueError):
            with_fold(hp, 5)
        y = np.repeat([0, 1], 50)
        vals = [set(stratified_holdout(y, 5, with_fold(hp, k)['fold'], 1)[1]) for k in range(5)]
        self.assertEqual(set().union(*vals), set(range(100)))   # every item held out exactly once
        self.assertEqual(sum(len(v) for v in vals), 100)


class MixtureWeightsTest(unittest.TestCase):
    @staticmethod
    def members(n_members, noise, rng, n=3000, classes=4):
        y = rng.integers(0, classes, n)
        onehot = np.eye(classes)[y] * 2.0
        return y, [onehot + rng.normal(scale=s, size=(n, classes)) for s in noise[:n_members]]

    def test_weights_favour_the_better_member_and_beat_equal_weights(self):
        from trainer.common.mixture import fit_members, mixture_nll
        rng = np.random.default_rng(3)
        y, logits = self.members(3, [0.8, 2.5, 4.0], rng)
        tensors = ['A', 'B', 'C']
        members, t_final = fit_members(logits, y, 0, tensors)
        weights = [w for _, _, w in members]
        self.assertAlmostEqual(sum(weights), 1.0, places=3)
        self.assertEqual([n for n, _, _ in members], tensors)
        self.assertGreater(weights[0], weights[1])
        self.assertGreater(weights[1], weights[2] - 0.05)
        temps = [t for _, t, _ in members]
        fitted, _ = mixture_nll(logits, y, 0, tensors, temps, weights)
        equal, _ = mixture_nll(logits, y, 0, tensors, temps, [1 / 3] * 3)
        self.assertLess(fitted, equal)
        self.assertGreater(t_final, 0)

    def test_two_members_use_the_grid(self):
        from trainer.common.mixture import fit_members
        rng = np.random.default_rng(4)
        y, logits = self.members(2, [0.8, 3.0], rng)
        members, _ = fit_members(logits, y, 0, ['A', 'B'])
        w = members[0][2]
        self.assertAlmostEqual(w * 20, round(w * 20), places=6)   # a 0.05 step of the grid
        self.assertGreaterEqual(w, 0.5)


class ElectricalClassifierGraphTest(unittest.TestCase):
    def test_onnx_matches_sklearn(self):
        from trainer.electrical import graphs
        from trainer.electrical.model import Combiner, fit_member, member_logits
        rng = np.random.default_rng(3)
        x = rng.normal(size=(300, 6)).astype(np.float32)
        y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(size=300) > 1.2).astype(np.int64)
        raw = np.concatenate([x, rng.normal(size=(300, 2)).astype(np.float32)], 1)   # 8 "measurements"
        raw[rng.random(300) < 0.2, 1] = np.nan
        specs = [dict(kind='rf', n_trees=20, leaf=3, max_features='sqrt'),
                 dict(kind='et', n_trees=20, leaf=3, max_features='sqrt'),
                 dict(kind='gb', n_trees=30, depth=2, learning_rate=0.1, subsample=0.7, leaf=5, max_features=None),
                 dict(kind='hgb', n_iter=30, depth=2, learning_rate=0.1, leaf=5, l2=0.0)]
        members = [fit_member(s, x, raw, y, 10 + i) for i, s in enumerate(specs)]
        logits = member_logits(members, x, raw, 1e-3)
        combiner = Combiner.fit(logits, 1e-3)
        self.assertEqual(graphs.classifier_inputs(members, 6, 8), [('IMPUTED', 6), ('MEASUREMENTS', 8)])
        self.assertEqual(graphs.classifier_inputs(members[:3], 6, 8), [('IMPUTED', 6)])
        feeds = {'IMPUTED': x, 'MEASUREMENTS': raw}
        with tempfile.TemporaryDirectory() as tmp:
            graphs.classifier_graph(os.path.join(tmp, 'c.onnx'), members, combiner, 6, 8)
            graphs.logits_graph(os.path.join(tmp, 'l.onnx'), members, 6, 8, 1e-3)
            out, _ = run_onnx(os.path.join(tmp, 'c.onnx'), feeds, ['SCORE'])
            out_l, _ = run_onnx(os.path.join(tmp, 'l.onnx'), feeds, ['LOGITS'])
        np.testing.assert_allclose(out_l['LOGITS'], logits, atol=1e-3)
        np.testing.assert_allclose(out['SCORE'][:, 0], combiner.score(logits), atol=1e-5)


class HistBoosterGraphTest(unittest.TestCase):
    """HistGradientBoostingClassifier -> TreeEnsembleRegressor with missing-value branches, against
    decision_function on the same float32 inputs (NaN included), also exactly at and next to every threshold."""

    @staticmethod
    def fit():
        from trainer.electrical.model import fit_member
        rng = np.random.default_rng(5)
        n = 800
        x = rng.normal(size=(n, 6)) * [1, 1e3, 1, 1, 1, 0.01] + [0, 0.1234567, 0, 0, 0, 3.3]
        m2, m4 = rng.random(n) < 0.3, rng.random(n) < 0.2
        x[:, 4] = 1.0   # constant apart from NaN: only a split on missingness (threshold +inf) can use it
        y = (x[:, 0] + 0.002 * x[:, 1] + 1.5 * m2 - 1.2 * m4 + 50 * (x[:, 5] - 3.3) + rng.normal(size=n) * 0.5
             > 0.5).astype(np.int64)
        x[m2, 2] = np.nan   # missing more often in fails: NaN learns its own branch
        x[m4, 4] = np.nan
        x = x.astype(np.float32)   # features 0, 1, 3, 5 have no NaN in training
        spec = dict(kind='hgb', n_iter=60, depth=2, learning_rate=0.1, leaf=5, l2=0.0)
        return fit_member(spec, None, x, y, 1), x, rng

    def test_onnx_matches_decision_function_with_nan(self):
        from trainer.electrical import graphs
        m, x, rng = self.fit()
        nodes = np.concatenate([it[0].nodes for it in m._predictors])
        split = nodes[nodes['is_leaf'] == 0]
        self.assertFalse(split['is_categorical'].any())
        # the cases the conversion must get right are present: splits on missingness alone (threshold +inf), and
        # NaN sent left and right, on a column with NaN in training (2) and on one without (0)
        self.assertTrue(np.isinf(split['num_threshold']).any())
        for f in (0, 2):
            self.assertEqual(set(split[split['feature_idx'] == f]['missing_go_to_left']), {0, 1})
        test = rng.normal(size=(400, 6)).astype(np.float32)
        for f in range(6):
            test[rng.random(400) < 0.25, f] = np.nan   # NaN also where training had none
        # every finite threshold t: the float32 nearest t and its two float32 neighbours (t is a float64 midpoint)
        finite = split[np.isfinite(split['num_threshold'])]
        edge = np.repeat(x[:1], 3 * len(finite), 0)
        for i, (f, t) in enumerate(zip(finite['feature_idx'], finite['num_threshold'])):
            t32 = np.float32(t)
            edge[3 * i:3 * i + 3, f] = [np.nextafter(t32, np.float32(-np.inf)), t32,
                                        np.nextafter(t32, np.float32(np.inf))]
        data = np.concatenate([x, test, edge])
        with tempfile.TemporaryDirectory() as tmp:
            graphs.logits_graph(os.path.join(tmp, 'h.onnx'), [m], 0, 6, 1e-3)
            out, _ = run_onnx(os.path.join(tmp, 'h.onnx'), {'MEASUREMENTS': data}, ['LOGITS'])
        ref = m.decision_function(data)
        leaves = np.concatenate([it[0].nodes for it in m._predictors])
        leaves = leaves[leaves['is_leaf'] == 1]['value']
        # one input sent down a wrong branch would move its logit by about a leaf value, far above the bound
        self.assertGreater(np.median(np.abs(leaves)), 1e-2)
        np.testing.assert_allclose(out['LOGITS'][:, 0], ref, atol=2e-5)


try:
    import torch  # noqa: F401  (training only; CI's fast checks may run without it)
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


@unittest.skipUnless(HAVE_TORCH, 'python3-torch is not installed')
class FlipMeanTest(unittest.TestCase):
    """Test-time flips inside the classifiers' graphs (HP['flip_tta'] of visual and thermal)."""

    def test_outputs_are_flip_invariant_and_the_heatmap_stays_in_image_coordinates(self):
        import torch
        from trainer.common.flip_mean import FlipMean
        from trainer.visual.models import SegNet
        torch.manual_seed(0)
        x = torch.randint(0, 256, (2, 1, 64, 64), dtype=torch.uint8)
        seg = FlipMean(SegNet(), ('h',)).eval()
        with torch.no_grad():
            logits, heat = seg(x)
            logits_f, heat_f = seg(torch.flip(x, [3]))
            plain_logits, plain_heat = seg.net(x)
            mirrored_logits, mirrored_heat = seg.net(torch.flip(x, [3]))
        # The mean over an image and its mirror is the same for the mirrored image; the heatmap mirrors with it.
        torch.testing.assert_close(logits, logits_f, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(heat_f, torch.flip(heat, [3]), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(logits, (plain_logits + mirrored_logits) / 2, atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(heat, (plain_heat + torch.flip(mirrored_heat, [3])) / 2, atol=1e-6, rtol=1e-6)
        self.assertGreater(float((plain_logits - mirrored_logits).abs().max()), 1e-4)  # the flip mattered

    def test_exported_graph_matches_pytorch(self):
        import torch
        from trainer.common.flip_mean import FlipMean
        from trainer.visual.models import PatchNet
        torch.manual_seed(1)
        net = FlipMean(PatchNet(), ('h', 'v')).eval()
        x = torch.randint(0, 256, (3, 1, 96, 96), dtype=torch.uint8)
        with torch.no_grad():
            expected = net(x).numpy()
        np.testing.assert_allclose(exported_logits(net, x), expected, atol=1e-4)

    def test_the_export_reads_the_wrapped_network_s_normalization(self):
        from trainer.common.flip_mean import FlipMean
        from trainer.thermal.model import ThermalNet
        from trainer.visual.models import SegNet
        self.assertEqual(float(FlipMean(ThermalNet(pixel_mean=91.0), ('h', 'v', 'hv')).pixel_mean), 91.0)
        self.assertEqual(float(FlipMean(SegNet(mean=77.0)).norm.mean), 77.0)


@unittest.skipUnless(HAVE_TORCH, 'python3-torch is not installed')
class FitPrecisionTest(unittest.TestCase):
    """fit(precision='bf16'): bfloat16 autocast and channels-last while training, an fp32 model out."""

    @staticmethod
    def train(precision, ckpt_dir, epochs=8):
        import torch
        import torch.nn.functional as F
        from trainer.common.fit import fit
        from trainer.thermal.model import ThermalNet
        rng = np.random.default_rng(0)
        y = rng.integers(0, 2, 256)
        x = rng.integers(60, 120, (256, 1, 40, 24)).astype(np.uint8)
        x[y == 1, :, :20] += 80                                 # class 1: bright upper half
        torch.manual_seed(0)
        model = ThermalNet(width=8)
        losses = []

        def batches(r, epoch):
            order = r.permutation(len(y))
            for i in range(0, len(order), 64):
                j = order[i:i + 64]
                yield torch.from_numpy(x[j]), torch.from_numpy(y[j])

        def loss_fn(m, xb, yb):
            loss = F.cross_entropy(m(xb).float(), yb)
            losses.append(float(loss))
            return loss

        model = fit(model, batches, loss_fn, epochs=epochs, base_lr=3e-3, weight_decay=0.0, ckpt_dir=ckpt_dir,
                    name='tiny', seed=1, log=lambda msg: None, precision=precision)
        with torch.no_grad():
            acc = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
        return model, losses, acc

    def test_bf16_learns_and_returns_an_fp32_model_in_the_default_layout(self):
        import torch
        with tempfile.TemporaryDirectory() as d32, tempfile.TemporaryDirectory() as d16:
            m32, losses32, acc32 = self.train('fp32', d32)
            m16, losses16, acc16 = self.train('bf16', d16)
            self.assertTrue(os.path.exists(os.path.join(d16, 'tiny.pt')))
        self.assertGreater(acc16, 0.95)
        self.assertLess(losses16[-1], losses16[0] / 4)
        self.assertGreater(acc32, 0.95)
        # Same seeds and batches: the two runs differ only by the forward pass's precision.
        self.assertNotEqual(losses16[0], losses32[0])
        self.assertAlmostEqual(losses16[0], losses32[0], delta=0.05)
        for name, t in m16.state_dict().items():
            if t.is_floating_point():
                self.assertEqual(t.dtype, torch.float32, name)
            self.assertTrue(t.is_contiguous(), name)

    def test_an_unknown_precision_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ValueError, 'precision'):
                self.train('fp16', d, epochs=1)


if __name__ == '__main__':
    unittest.main()
