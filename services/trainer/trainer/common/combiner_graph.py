"""Hand-built ONNX graphs for the ensembles' final step: calibrated probabilities and the defect probability."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .onnx_check import OPSET


# How the members' calibrated class distributions are pooled: 'linear', their weighted mean (a mixture);
# 'log-linear', their weighted geometric mean, renormalized (the softmax of the weighted sum of their log
# probabilities), where one member's confident vote moves the result more than in a mean.
POOLINGS = ('linear', 'log-linear')


def _const(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def build_combiner(path, members, n_classes, good_index, producer='trainer', final_temperature=1.0, class_bias=None,
                   pooling='linear'):
    """members: [(input_name, temperature, weight)]. Outputs
    PROBS [N, C] = softmax(pool / final_temperature + class_bias), where pool is
    log(sum_i weight_i * softmax(input_i / temperature_i)) ('linear') or
    sum_i weight_i * log_softmax(input_i / temperature_i) ('log-linear')
    (weights sum to 1; final_temperature re-calibrates the pool, 1.0 leaves it unchanged; class_bias, a vector of
    C, corrects class priors; None leaves the graph without it), and DEFECT_PROB [N, 1] = 1 - PROBS[:, good_index]."""
    if pooling not in POOLINGS:
        raise ValueError(f'pooling must be one of {POOLINGS}, got {pooling!r}')
    total = sum(w for _, _, w in members)
    nodes, inits, inputs, terms = [], [], [], []
    for k, (name, temp, weight) in enumerate(members):
        inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ['batch', n_classes]))
        inits += [_const(f't{k}', [temp]), _const(f'w{k}', [weight / total])]
        nodes += [helper.make_node('Div', [name, f't{k}'], [f'scaled{k}']),
                  helper.make_node('Softmax' if pooling == 'linear' else 'LogSoftmax', [f'scaled{k}'], [f'p{k}'],
                                   axis=1),
                  helper.make_node('Mul', [f'p{k}', f'w{k}'], [f'wp{k}'])]
        terms.append(f'wp{k}')
    if pooling == 'linear':
        nodes += [helper.make_node('Sum', terms, ['mix']),
                  helper.make_node('Max', ['mix', 'tiny'], ['mix_pos']),
                  helper.make_node('Log', ['mix_pos'], ['log_mix'])]
        inits.append(_const('tiny', [1e-30]))
    else:
        nodes.append(helper.make_node('Sum', terms, ['log_mix']))
    nodes.append(helper.make_node('Div', ['log_mix', 'final_t'], ['log_mix_t']))
    if class_bias is None:
        nodes.append(helper.make_node('Softmax', ['log_mix_t'], ['PROBS'], axis=1))
    else:
        inits.append(_const('class_bias', np.asarray(class_bias, np.float64).reshape(1, n_classes)))
        nodes += [helper.make_node('Add', ['log_mix_t', 'class_bias'], ['log_mix_b']),
                  helper.make_node('Softmax', ['log_mix_b'], ['PROBS'], axis=1)]
    inits.append(_const('final_t', [final_temperature]))
    inits += [numpy_helper.from_array(np.array([good_index], dtype=np.int64), 'good_index'), _const('one', [1.0])]
    nodes += [helper.make_node('Gather', ['PROBS', 'good_index'], ['p_good'], axis=1),
              helper.make_node('Sub', ['one', 'p_good'], ['DEFECT_PROB'])]
    outputs = [helper.make_tensor_value_info('PROBS', TensorProto.FLOAT, ['batch', n_classes]),
               helper.make_tensor_value_info('DEFECT_PROB', TensorProto.FLOAT, ['batch', 1])]
    graph = helper.make_graph(nodes, 'combiner', inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name=producer)
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return model


def mixture(logits_list, members):
    from scipy.special import softmax
    total = sum(w for _, _, w in members)
    return sum(w / total * softmax(np.asarray(l, np.float64) / t, axis=1) for l, (_, t, w) in zip(logits_list, members))


def pooled_log(logits_list, members, pooling='linear'):
    """The combiner's pool before its final temperature (see build_combiner): the log of the weighted mean of the
    members' calibrated distributions, or the weighted sum of their log probabilities."""
    if pooling == 'linear':
        return np.log(np.maximum(mixture(logits_list, members), 1e-30))
    if pooling != 'log-linear':
        raise ValueError(f'pooling must be one of {POOLINGS}, got {pooling!r}')
    from scipy.special import log_softmax
    total = sum(w for _, _, w in members)
    return sum(w / total * log_softmax(np.asarray(l, np.float64) / t, axis=1)
               for l, (_, t, w) in zip(logits_list, members))


def combine_numpy(logits_list, members, good_index, final_temperature=1.0, class_bias=None, pooling='linear'):
    from scipy.special import softmax
    z = pooled_log(logits_list, members, pooling) / final_temperature
    if class_bias is not None:
        z = z + np.asarray(class_bias, np.float64)[None, :]
    probs = softmax(z, axis=1)
    return probs, 1.0 - probs[:, good_index:good_index + 1]
