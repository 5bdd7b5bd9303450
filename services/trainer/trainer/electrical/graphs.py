"""ONNX graphs for the electrical ensemble, built by hand with onnx.helper (Debian has no skl2onnx)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..common.onnx_check import OPSET

ML_OPSET = 3


def _save(nodes, name, inputs, outputs, inits, path, ml=False):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    opsets = [helper.make_opsetid('', OPSET)] + ([helper.make_opsetid('ai.onnx.ml', ML_OPSET)] if ml else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name='trainer')
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return model


def _f(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def _vi(name, width, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, ['batch', width])


def preprocess_graph(path, pre, n_features):
    """MEASUREMENTS [N,590] (NaN = missing) -> IMPUTED [N,K] (median-imputed kept columns), SCALED [N,K]."""
    k = len(pre.keep)
    nodes = [
        helper.make_node('IsNaN', ['MEASUREMENTS'], ['missing']),
        helper.make_node('Where', ['missing', 'medians', 'MEASUREMENTS'], ['filled']),
        helper.make_node('Gather', ['filled', 'keep'], ['IMPUTED'], axis=1),
        helper.make_node('Sub', ['IMPUTED', 'mean'], ['centred']),
        helper.make_node('Div', ['centred', 'std'], ['standard']),
        helper.make_node('Clip', ['standard', 'lo', 'hi'], ['SCALED']),
    ]
    inits = [_f('medians', pre.medians), numpy_helper.from_array(pre.keep.astype(np.int64), 'keep'),
             _f('mean', pre.mean), _f('std', pre.std), _f('lo', -pre.clip), _f('hi', pre.clip)]
    return _save(nodes, 'electrical_preprocess', [_vi('MEASUREMENTS', n_features)],
                 [_vi('IMPUTED', k), _vi('SCALED', k)], inits, path)


def _floor32(t):
    """Largest float32 <= t, so that float32 x <= result  <=>  x <= t (sklearn compares float32 to float64)."""
    f = np.float32(t)
    return np.nextafter(f, np.float32(-np.inf)) if float(f) > t else f


def _tree_ensemble(trees, leaf_value, inp, out, base=0.0):
    """One ai.onnx.ml.TreeEnsembleRegressor: out [N,1] = base + sum over trees of leaf_value(tree_, leaf index)."""
    a = {key: [] for key in ['tree', 'node', 'feat', 'mode', 'value', 'true', 'false', 'miss']}
    tw = {'tree': [], 'node': [], 'weight': []}
    for tid, t in enumerate(trees):
        for i in range(t.node_count):
            leaf = t.children_left[i] == -1
            a['tree'].append(tid)
            a['node'].append(i)
            a['feat'].append(0 if leaf else int(t.feature[i]))
            a['mode'].append('LEAF' if leaf else 'BRANCH_LEQ')
            a['value'].append(0.0 if leaf else float(_floor32(t.threshold[i])))
            a['true'].append(0 if leaf else int(t.children_left[i]))
            a['false'].append(0 if leaf else int(t.children_right[i]))
            a['miss'].append(0)
            if leaf:
                tw['tree'].append(tid)
                tw['node'].append(i)
                tw['weight'].append(float(leaf_value(t, i)))
    return helper.make_node(
        'TreeEnsembleRegressor', [inp], [out], domain='ai.onnx.ml', n_targets=1,
        nodes_treeids=a['tree'], nodes_nodeids=a['node'], nodes_featureids=a['feat'], nodes_modes=a['mode'],
        nodes_values=a['value'], nodes_truenodeids=a['true'], nodes_falsenodeids=a['false'],
        nodes_missing_value_tracks_true=a['miss'], target_treeids=tw['tree'], target_nodeids=tw['node'],
        target_ids=[0] * len(tw['tree']), target_weights=tw['weight'], aggregate_function='SUM',
        base_values=[float(base)], post_transform='NONE')


def member_nodes(m, j, inp):
    """Nodes computing member j's fail logit [N,1], named f'logit{j}' (see model.member_logits); forests use the
    initializers 'eps', 'one_m_eps' and 'one' that the caller provides."""
    from sklearn.ensemble import GradientBoostingClassifier

    from .model import booster_base
    if isinstance(m, GradientBoostingClassifier):
        lr = m.learning_rate
        node = _tree_ensemble([e.tree_ for e in m.estimators_[:, 0]], lambda t, i: lr * t.value[i, 0, 0], inp,
                              f'logit{j}', booster_base(m))
        return [node]
    n = m.n_estimators
    node = _tree_ensemble([e.tree_ for e in m.estimators_],
                          lambda t, i: t.value[i, 0][1] / t.value[i, 0].sum() / n, inp, f'p{j}')
    nodes = [node,
             helper.make_node('Clip', [f'p{j}', 'eps', 'one_m_eps'], [f'pc{j}']),
             helper.make_node('Sub', ['one', f'pc{j}'], [f'q{j}']),
             helper.make_node('Div', [f'pc{j}', f'q{j}'], [f'odds{j}']),
             helper.make_node('Log', [f'odds{j}'], [f'logit{j}'])]
    return nodes


def classifier_graph(path, members, combiner, k):
    """IMPUTED [N,K] -> SCORE [N,1] = sigmoid(mean_j (logit_j - center_j) / scale_j) (see model.Combiner)."""
    nodes = []
    for j, m in enumerate(members):
        nodes += member_nodes(m, j, 'IMPUTED')
    nodes += [helper.make_node('Concat', [f'logit{j}' for j in range(len(members))], ['logits'], axis=1),
              helper.make_node('Sub', ['logits', 'center'], ['centred']),
              helper.make_node('Div', ['centred', 'scale'], ['z']),
              helper.make_node('ReduceMean', ['z'], ['zm'], axes=[1], keepdims=1),
              helper.make_node('Sigmoid', ['zm'], ['SCORE'])]
    inits = [_f('eps', combiner.eps), _f('one_m_eps', 1 - combiner.eps), _f('one', [1.0]),
              _f('center', combiner.center), _f('scale', combiner.scale)]
    return _save(nodes, 'electrical_classifier', [_vi('IMPUTED', k)], [_vi('SCORE', 1)], inits, path, ml=True)


def logits_graph(path, members, k, eps):
    """IMPUTED [N,K] -> LOGITS [N,M], the members' logits (for parity checks only; not served)."""
    nodes = []
    for j, m in enumerate(members):
        nodes += member_nodes(m, j, 'IMPUTED')
    nodes.append(helper.make_node('Concat', [f'logit{j}' for j in range(len(members))], ['LOGITS'], axis=1))
    inits = [_f('eps', eps), _f('one_m_eps', 1 - eps), _f('one', [1.0])]
    return _save(nodes, 'electrical_member_logits', [_vi('IMPUTED', k)], [_vi('LOGITS', len(members))], inits, path,
                 ml=True)


def anomaly_graph(path, an, k):
    """SCALED [N,K] -> ANOMALY_SCORE [N,1] (see model.Anomaly)."""
    nodes = [
        helper.make_node('Sub', ['SCALED', 'center'], ['z']),
        helper.make_node('MatMul', ['z', 'components'], ['proj']),
        helper.make_node('Mul', ['proj', 'inv_sd'], ['white']),
        helper.make_node('Mul', ['white', 'white'], ['white2']),
        helper.make_node('ReduceMean', ['white2'], ['t2'], axes=[1], keepdims=1),
        helper.make_node('MatMul', ['proj', 'components_t'], ['recon']),
        helper.make_node('Sub', ['z', 'recon'], ['resid']),
        helper.make_node('Mul', ['resid', 'resid'], ['resid2']),
        helper.make_node('ReduceSum', ['resid2', 'axis1'], ['q_sum'], keepdims=1),
        helper.make_node('Div', ['q_sum', 'n_rest'], ['q']),
        helper.make_node('Add', ['t2', 'q'], ['sum']),
        helper.make_node('Mul', ['sum', 'half'], ['ANOMALY_SCORE']),
    ]
    inits = [_f('center', an.center), _f('components', an.components), _f('components_t', an.components.T),
             _f('inv_sd', an.inv_sd), numpy_helper.from_array(np.array([1], np.int64), 'axis1'),
             _f('n_rest', [max(an.n_rest, 1)]), _f('half', [0.5])]
    return _save(nodes, 'electrical_anomaly', [_vi('SCALED', k)], [_vi('ANOMALY_SCORE', 1)], inits, path)


def calibrator_graph(path, cal):
    """SCORE [N,1], ANOMALY_SCORE [N,1] -> FAIL_PROB [N,1] = sigmoid((logit(clip(SCORE)) + c * log(ANOMALY_SCORE
    + 1e-3)) / T + b); DEFECT_PROB = FAIL_PROB; PROBS [N,2] = [1 - FAIL_PROB, FAIL_PROB]."""
    eps = cal['eps']
    nodes = [
        helper.make_node('Clip', ['SCORE', 'eps', 'one_m_eps'], ['s']),
        helper.make_node('Sub', ['one', 's'], ['one_m_s']),
        helper.make_node('Div', ['s', 'one_m_s'], ['odds']),
        helper.make_node('Log', ['odds'], ['logit']),
        helper.make_node('Add', ['ANOMALY_SCORE', 'a_eps'], ['a_pos']),
        helper.make_node('Log', ['a_pos'], ['log_a']),
        helper.make_node('Mul', ['log_a', 'c'], ['a_term']),
        helper.make_node('Add', ['logit', 'a_term'], ['z']),
        helper.make_node('Div', ['z', 'T'], ['zt']),
        helper.make_node('Add', ['zt', 'b'], ['zb']),
        helper.make_node('Sigmoid', ['zb'], ['FAIL_PROB']),
        helper.make_node('Identity', ['FAIL_PROB'], ['DEFECT_PROB']),
        helper.make_node('Sub', ['one', 'FAIL_PROB'], ['pass_prob']),
        helper.make_node('Concat', ['pass_prob', 'FAIL_PROB'], ['PROBS'], axis=1),
    ]
    inits = [_f('eps', eps), _f('one_m_eps', 1 - eps), _f('one', [1.0]), _f('a_eps', [1e-3]),
             _f('c', [cal['anomaly_weight']]), _f('T', [cal['temperature']]), _f('b', [cal['bias']])]
    return _save(nodes, 'electrical_calibrator', [_vi('SCORE', 1), _vi('ANOMALY_SCORE', 1)],
                 [_vi('FAIL_PROB', 1), _vi('DEFECT_PROB', 1), _vi('PROBS', 2)], inits, path)


def calibrate_numpy(score, anomaly, cal):
    s = np.clip(score.astype(np.float64), cal['eps'], 1 - cal['eps'])
    z = np.log(s / (1 - s)) + cal['anomaly_weight'] * np.log(anomaly.astype(np.float64) + 1e-3)
    return 1 / (1 + np.exp(-(z / cal['temperature'] + cal['bias'])))
