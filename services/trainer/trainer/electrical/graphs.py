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


def _regressor(trees, inp, out, base=0.0):
    """One ai.onnx.ml.TreeEnsembleRegressor: out [N,1] = base + sum over trees of the reached leaf's weight.
    trees: per tree a list of nodes indexed by node id, each ('leaf', weight) or
    ('branch', feature, threshold, true_id, false_id, missing_goes_true): x[feature] <= threshold takes the true
    branch; a NaN takes it only where missing_goes_true (else NaN <= threshold, false)."""
    a = {key: [] for key in ['tree', 'node', 'feat', 'mode', 'value', 'true', 'false', 'miss']}
    tw = {'tree': [], 'node': [], 'weight': []}
    for tid, nodes in enumerate(trees):
        for i, n in enumerate(nodes):
            leaf = n[0] == 'leaf'
            a['tree'].append(tid)
            a['node'].append(i)
            a['feat'].append(0 if leaf else int(n[1]))
            a['mode'].append('LEAF' if leaf else 'BRANCH_LEQ')
            a['value'].append(0.0 if leaf else float(n[2]))
            a['true'].append(0 if leaf else int(n[3]))
            a['false'].append(0 if leaf else int(n[4]))
            a['miss'].append(0 if leaf else int(n[5]))
            if leaf:
                tw['tree'].append(tid)
                tw['node'].append(i)
                tw['weight'].append(float(n[1]))
    return helper.make_node(
        'TreeEnsembleRegressor', [inp], [out], domain='ai.onnx.ml', n_targets=1,
        nodes_treeids=a['tree'], nodes_nodeids=a['node'], nodes_featureids=a['feat'], nodes_modes=a['mode'],
        nodes_values=a['value'], nodes_truenodeids=a['true'], nodes_falsenodeids=a['false'],
        nodes_missing_value_tracks_true=a['miss'], target_treeids=tw['tree'], target_nodeids=tw['node'],
        target_ids=[0] * len(tw['tree']), target_weights=tw['weight'], aggregate_function='SUM',
        base_values=[float(base)], post_transform='NONE')


def _sklearn_tree(t, leaf_value):
    """A fitted sklearn tree_ (no NaN reaches it: its input is imputed) as _regressor nodes."""
    return [('leaf', leaf_value(t, i)) if t.children_left[i] == -1 else
            ('branch', t.feature[i], _floor32(t.threshold[i]), t.children_left[i], t.children_right[i], 0)
            for i in range(t.node_count)]


def hist_tree(predictor):
    """A HistGradientBoosting TreePredictor as _regressor nodes. sklearn goes left if x <= num_threshold (compared
    in float64; num_threshold is a float64 midpoint between bin edges, or +inf for a split that only separates
    NaN), and a NaN goes left where missing_go_to_left (for features without NaN in training: to the child that saw
    more rows). Leaf values already include the learning rate. Thresholds are floored to float32 as for the other
    trees, so decisions agree exactly on float32 inputs."""
    nodes = predictor.nodes
    if nodes['is_categorical'].any():
        raise ValueError('categorical splits are not supported by this export')
    return [('leaf', float(n['value'])) if n['is_leaf'] else
            ('branch', int(n['feature_idx']), float(_floor32(n['num_threshold'])), int(n['left']), int(n['right']),
             int(n['missing_go_to_left']))
            for n in nodes]


def hist_booster_base(m):
    """The histogram booster's constant raw score (its baseline prediction)."""
    return float(np.ravel(m._baseline_prediction)[0])


def member_nodes(m, j, inp):
    """Nodes computing member j's fail logit [N,1], named f'logit{j}' (see model.member_logits), from input tensor
    inp (see model.member_input); forests use the initializers 'eps', 'one_m_eps' and 'one' that the caller
    provides."""
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier

    from .model import booster_base
    if isinstance(m, HistGradientBoostingClassifier):
        if m.n_trees_per_iteration_ != 1:
            raise ValueError('only binary histogram boosters are supported')
        return [_regressor([hist_tree(it[0]) for it in m._predictors], inp, f'logit{j}', hist_booster_base(m))]
    if isinstance(m, GradientBoostingClassifier):
        lr = m.learning_rate
        trees = [_sklearn_tree(e.tree_, lambda t, i: lr * t.value[i, 0, 0]) for e in m.estimators_[:, 0]]
        return [_regressor(trees, inp, f'logit{j}', booster_base(m))]
    n = m.n_estimators
    trees = [_sklearn_tree(e.tree_, lambda t, i: t.value[i, 0][1] / t.value[i, 0].sum() / n) for e in m.estimators_]
    nodes = [_regressor(trees, inp, f'p{j}'),
             helper.make_node('Clip', [f'p{j}', 'eps', 'one_m_eps'], [f'pc{j}']),
             helper.make_node('Sub', ['one', f'pc{j}'], [f'q{j}']),
             helper.make_node('Div', [f'pc{j}', f'q{j}'], [f'odds{j}']),
             helper.make_node('Log', [f'odds{j}'], [f'logit{j}'])]
    return nodes


def classifier_inputs(members, k, n_features):
    """[(name, width)] of the classifier's inputs, in a fixed order: IMPUTED [K] (if any member reads it), then
    MEASUREMENTS [n_features] (if any member reads the raw values)."""
    from .model import member_input
    used = {member_input(m) for m in members}
    return [(n, w) for n, w in [('IMPUTED', k), ('MEASUREMENTS', n_features)] if n in used]


def _forest_inits(members, eps):
    """The initializers member_nodes' forests read, if there is a forest."""
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    if not any(isinstance(m, (RandomForestClassifier, ExtraTreesClassifier)) for m in members):
        return []
    return [_f('eps', eps), _f('one_m_eps', 1 - eps), _f('one', [1.0])]


def _members_nodes(members):
    from .model import member_input
    nodes = []
    for j, m in enumerate(members):
        nodes += member_nodes(m, j, member_input(m))
    return nodes


def classifier_graph(path, members, combiner, k, n_features):
    """IMPUTED [N,K] and/or MEASUREMENTS [N,n_features] (see classifier_inputs) -> SCORE [N,1] =
    sigmoid(mean_j (logit_j - center_j) / scale_j) (see model.Combiner)."""
    nodes = _members_nodes(members)
    nodes += [helper.make_node('Concat', [f'logit{j}' for j in range(len(members))], ['logits'], axis=1),
              helper.make_node('Sub', ['logits', 'center'], ['centred']),
              helper.make_node('Div', ['centred', 'scale'], ['z']),
              helper.make_node('ReduceMean', ['z'], ['zm'], axes=[1], keepdims=1),
              helper.make_node('Sigmoid', ['zm'], ['SCORE'])]
    inits = _forest_inits(members, combiner.eps) + [_f('center', combiner.center), _f('scale', combiner.scale)]
    inputs = [_vi(n, w) for n, w in classifier_inputs(members, k, n_features)]
    return _save(nodes, 'electrical_classifier', inputs, [_vi('SCORE', 1)], inits, path, ml=True)


def logits_graph(path, members, k, n_features, eps):
    """Like classifier_graph's inputs -> LOGITS [N,M], the members' logits (for parity checks only; not served)."""
    nodes = _members_nodes(members)
    nodes.append(helper.make_node('Concat', [f'logit{j}' for j in range(len(members))], ['LOGITS'], axis=1))
    inits = _forest_inits(members, eps)
    inputs = [_vi(n, w) for n, w in classifier_inputs(members, k, n_features)]
    return _save(nodes, 'electrical_member_logits', inputs, [_vi('LOGITS', len(members))], inits, path, ml=True)


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
