"""The thermal grouped member (trainer/thermal/grouped.py): M independent ThermalDeepNets in one network, its training
loop's resumption, its served form and the export's fp16 weight storage."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import exported_logits, requires_torch, tiny_thermal  # noqa: E402


tiny_data = tiny_thermal


@requires_torch
class GroupedNetTest(unittest.TestCase):
    def setUp(self):
        global torch
        import torch

    def randomized(self, members=3, width=4):
        from trainer.thermal.grouped import GroupedDeepNet
        torch.manual_seed(0)
        net = GroupedDeepNet(members, width, 100.0, 50.0)
        with torch.no_grad():   # non-trivial batch-norm statistics
            for mod in net.modules():
                if isinstance(mod, torch.nn.BatchNorm2d):
                    mod.running_mean.uniform_(-0.5, 0.5)
                    mod.running_var.uniform_(0.5, 2.0)
        return net.eval()

    def test_each_member_is_a_thermal_deep_net_on_its_own_channel(self):
        from trainer.thermal.grouped import member
        net = self.randomized()
        x = torch.randint(0, 256, (5, 3, 40, 24)).float()
        with torch.no_grad():
            out = net(x)
            self.assertEqual(tuple(out.shape), (5, 3, 12))
            for k in range(3):
                single = member(net, k)
                self.assertEqual(sum(1 for _ in single.body), 6)   # blocks (2, 2, 2)
                torch.testing.assert_close(out[:, k], single(x[:, k:k + 1]), atol=1e-4, rtol=1e-4)
            x2 = x.clone()   # a member's output does not depend on the other members' channels
            x2[:, 1] = 0
            torch.testing.assert_close(net(x2)[:, [0, 2]], out[:, [0, 2]])

    def test_the_first_k_members_are_the_same_networks(self):
        from trainer.thermal.grouped import first_members
        net = self.randomized(members=4)
        sub = first_members(net, 2)
        self.assertEqual(sub.m, 2)
        x = torch.randint(0, 256, (5, 4, 40, 24)).float()
        with torch.no_grad():
            torch.testing.assert_close(sub(x[:, :2]), net(x)[:, :2], atol=1e-5, rtol=1e-5)
        self.assertEqual(float(sub.pixel_mean), 100.0)
        for bad in (0, 5):
            with self.assertRaises(ValueError):
                first_members(net, bad)

    def test_served_form_is_the_log_of_the_members_mean_probability_and_exports(self):
        from trainer.thermal.grouped import MemberMean
        net = self.randomized()
        served = MemberMean(net).eval()
        x = torch.randint(0, 256, (7, 1, 40, 24), dtype=torch.uint8)
        with torch.no_grad():
            out = served(x)
            each = torch.softmax(net(x.float().expand(-1, 3, -1, -1)), dim=2)
        torch.testing.assert_close(out.exp(), each.mean(1), atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(out.exp().sum(1), torch.ones(7), atol=1e-5, rtol=0)
        self.assertEqual(float(served.pixel_mean), 100.0)
        np.testing.assert_allclose(exported_logits(served, x), out.numpy(), atol=1e-4, rtol=1e-4)


@requires_torch
class FitGroupedTest(unittest.TestCase):
    SPEC = {'name': 'g', 'members': 2, 'width': 4, 'blocks': (1, 1, 1), 'epochs': 2, 'lr': 3e-3,
            'class_weight_power': 0.25, 'offset_jitter': 0.0}

    def setUp(self):
        global torch
        import torch
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        self.x, self.y = tiny_data()
        self.tr, self.va = np.arange(0, 72), np.arange(72, 96)

    def fit(self, ckpt, log=lambda msg: None, spec=None):
        from trainer.thermal.grouped import fit_grouped
        from trainer.thermal.train import class_weights
        w = class_weights(self.y[self.tr], 12, 0.25)
        return fit_grouped(self.x, self.y, self.tr, self.va, ckpt, spec or self.SPEC, 5, w, batch=16,
                           weight_decay=5e-4, label_smoothing=0.05, log=log, device='cpu', precision='fp32')

    def test_an_interrupted_run_resumes_to_the_same_weights_and_a_compact_checkpoint_serves(self):
        from trainer.thermal.grouped import compact
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            whole = self.fit(a).net.state_dict()

            def stop_in_epoch_two(msg):
                if 'epoch 2/2' in msg:
                    raise KeyboardInterrupt
            with self.assertRaises(KeyboardInterrupt):
                self.fit(b, stop_in_epoch_two)
            seen = []
            resumed = self.fit(b, seen.append).net.state_dict()
            self.assertIn('resumed g at epoch 1/2', seen)
            for key, v in whole.items():
                torch.testing.assert_close(resumed[key], v, atol=0, rtol=0, msg=key)
            changed = any(not torch.equal(v, self.fit(os.path.join(a, 'other'), spec=dict(self.SPEC, lr=1e-2))
                                          .net.state_dict()[k]) for k, v in whole.items() if v.is_floating_point())
            self.assertTrue(changed)   # the comparison above can fail: another recipe gives other weights

            compact(a, 'g', os.path.join(b, 'g.pt'))
            self.assertLess(os.path.getsize(os.path.join(b, 'g.pt')), os.path.getsize(os.path.join(a, 'g.pt')) / 2)
            seen = []
            served = self.fit(b, seen.append)
            self.assertEqual(seen, ['resumed g at epoch 2/2'])   # finished: nothing trains
            for key, v in whole.items():
                if v.is_floating_point():
                    torch.testing.assert_close(served.net.state_dict()[key], v.half().float(), atol=0, rtol=0)

    def test_an_unfinished_compact_checkpoint_is_refused(self):
        from trainer.common import checkpoint
        from trainer.thermal.grouped import compact
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self.fit(a)
            state = checkpoint.load(a, 'g')
            checkpoint.save(a, 'g', dict(state, epoch=1))
            compact(a, 'g', os.path.join(b, 'g.pt'))
            with self.assertRaisesRegex(ValueError, 'no optimizer state'):
                self.fit(b)


@requires_torch
class MembersLayoutTest(unittest.TestCase):
    def test_members_expand_in_order_and_name_their_combiner_inputs(self):
        from trainer.thermal.train import HP, expand_members
        v1 = dict(HP, members=('first', 'second', 'extra'))
        self.assertEqual([k for k, _ in expand_members(v1)], ['first', 'second', 'extra'])
        self.assertEqual(expand_members(dict(HP, members=('grouped',))), [('grouped', HP['grouped'])])
        for bad in [(), ('first', 'first'), ('third',), ('extra',)]:
            with self.assertRaises(ValueError):
                expand_members(dict(HP, members=bad, extra=[] if bad == ('extra',) else HP['extra']))
        from trainer.thermal.export import member_specs
        self.assertEqual([(n, t) for n, t, _ in member_specs(v1)],
                         [('thermal_classifier', 'LOGITS_A'), ('thermal_deepnet', 'LOGITS_B'),
                          ('thermal_net_c', 'LOGITS_C')])
        self.assertEqual([(n, t) for n, t, _ in member_specs(dict(HP, members=('grouped', 'first')))],
                         [('thermal_members', 'LOGITS_A'), ('thermal_classifier', 'LOGITS_B')])


class Fp16StorageTest(unittest.TestCase):
    def test_only_exact_fp16_weights_are_stored_as_fp16_and_outputs_do_not_change(self):
        import onnx
        from onnx import TensorProto, helper, numpy_helper
        from trainer.common.onnx_check import run_onnx, store_weights_fp16
        rng = np.random.default_rng(3)
        exact = rng.normal(size=(64, 32)).astype(np.float16).astype(np.float32)
        inexact = rng.normal(size=(32, 32)).astype(np.float32)
        small = exact[:2, :2].copy()
        graph = helper.make_graph(
            [helper.make_node('MatMul', ['X', 'W1'], ['h']), helper.make_node('MatMul', ['h', 'W2'], ['h2']),
             helper.make_node('Add', ['h2', 'S'], ['Y'])], 'g',
            [helper.make_tensor_value_info('X', TensorProto.FLOAT, ['batch', 64])],
            [helper.make_tensor_value_info('Y', TensorProto.FLOAT, ['batch', 32])],
            [numpy_helper.from_array(exact, 'W1'), numpy_helper.from_array(inexact, 'W2'),
             numpy_helper.from_array(small[:1, :1].repeat(32, 1), 'S')])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
        feed = {'X': rng.normal(size=(5, 64)).astype(np.float32)}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'm.onnx')
            onnx.save(model, path)
            before = run_onnx(path, feed, ['Y'])[0]['Y']
            size = os.path.getsize(path)
            self.assertEqual(store_weights_fp16(path), 1)   # W1 only: W2 is not exact, S too small
            types = {i.name: i.data_type for i in onnx.load(path).graph.initializer}
            self.assertEqual(types, {'W1__fp16': TensorProto.FLOAT16, 'W2': TensorProto.FLOAT,
                                     'S': TensorProto.FLOAT})
            self.assertLess(os.path.getsize(path), size - 64 * 32 * 2 + 200)
            np.testing.assert_array_equal(run_onnx(path, feed, ['Y'])[0]['Y'], before)


if __name__ == '__main__':
    unittest.main()


@requires_torch
class GroupedFoldsScriptTest(unittest.TestCase):
    """experiments.thermal_grouped_folds: the GPU fold script, run here on the CPU with a tiny recipe."""

    @staticmethod
    def packed(d, n):
        """Tiny packed arrays in d (fold 0: every fifth item): (npz path, out dir, work dir, y)."""
        x, y = tiny_data(n=n)
        npz = os.path.join(d, 'tiny.npz')
        np.savez(npz, x=x, y=y, val0=np.arange(0, n, 5))
        return npz, os.path.join(d, 'out'), os.path.join(d, 'work'), y

    def test_grouped_overrides_change_the_recipe_and_unknown_keys_are_refused(self):
        import json
        from experiments import thermal_grouped_folds
        with tempfile.TemporaryDirectory() as d:
            npz, out, work, _ = self.packed(d, 300)
            thermal_grouped_folds.main(['--npz', npz, '--out', out, '--folds', '0', '--device', 'cpu', '--work', work,
                                        '--grouped', '{"members": 2, "epochs": 1, "width": 4}'])
            with open(os.path.join(out, 'folds.jsonl')) as f:
                rows = [json.loads(line) for line in f]
            self.assertEqual([r['fold'] for r in rows], [0])
            self.assertEqual(len(rows[0]['members']), 2)
            self.assertEqual(rows[0]['n_val'], 60)
            self.assertTrue(os.path.exists(os.path.join(out, 'thermal_members_f0.pt')))
            with self.assertRaises(SystemExit):
                thermal_grouped_folds.main(['--npz', npz, '--out', out, '--grouped', '{"epoch": 3}'])

    def test_all_items_and_a_training_share(self):
        import json
        from experiments import thermal_grouped_folds
        with tempfile.TemporaryDirectory() as d:
            npz, out, work, y = self.packed(d, 600)
            tiny = ['--device', 'cpu', '--work', work, '--grouped', '{"members": 2, "epochs": 1, "width": 4}']
            thermal_grouped_folds.main(['--npz', npz, '--out', out, '--folds', 'all'] + tiny)
            thermal_grouped_folds.main(['--npz', npz, '--out', out, '--folds', '0', '--train-fraction', '0.5'] + tiny)
            with open(os.path.join(out, 'folds.jsonl')) as f:
                rows = [json.loads(line) for line in f]
            self.assertEqual([(r['fold'], r['n_train'], r['val_in_sample']) for r in rows],
                             [('all', 600, True), (0, 240, False)])
            self.assertTrue(os.path.exists(os.path.join(out, 'thermal_members_fall.pt')))
            self.assertTrue(os.path.exists(os.path.join(out, 'thermal_members_f0_tr50.pt')))
            arrays = dict(np.load(npz))
            tr, va = thermal_grouped_folds.fold_indices(arrays, 0, 0.5, 7)
            self.assertEqual(np.intersect1d(tr, va).size, 0)
            full, _ = thermal_grouped_folds.fold_indices(arrays, 0)
            np.testing.assert_array_equal(np.bincount(y[tr], minlength=12),
                                          np.round(np.bincount(y[full], minlength=12) * 0.5).astype(int))
            with self.assertRaises(ValueError):
                thermal_grouped_folds.fold_indices(arrays, 0, 1.5)
