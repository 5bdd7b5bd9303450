"""Writes Triton model directories: config.pbtxt (with the gateway's parameters), version folders, labels."""
import json
import os
import re
import shutil

TYPE = {'uint8': 'TYPE_UINT8', 'float32': 'TYPE_FP32', 'int64': 'TYPE_INT64'}


def _q(s):
    """Protobuf text-format string literal (double-quoted, backslash escapes)."""
    return '"' + str(s).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def param_value(v):
    """Parameters are strings in Triton: plain strings/numbers as text, lists/dicts as compact JSON."""
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, separators=(',', ':'), sort_keys=False)
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, float):
        return repr(float(v))  # full precision: thresholds sit exactly between validation scores
    return str(v)


def _tensor(t):
    parts = [f'name: {_q(t["name"])}', f'data_type: {TYPE[t["type"]]}',
             'dims: [ ' + ', '.join(str(d) for d in t['dims']) + ' ]']
    if t.get('label_filename'):
        parts.append(f'label_filename: {_q(t["label_filename"])}')
    return '  {\n    ' + '\n    '.join(parts) + '\n  }'


def render_config(name, *, platform, max_batch_size, inputs, outputs, parameters, steps=None,
                  dynamic_batching=True):
    lines = [f'name: {_q(name)}', f'platform: {_q(platform)}', f'max_batch_size: {max_batch_size}']
    lines.append('input [\n' + ',\n'.join(_tensor(t) for t in inputs) + '\n]')
    lines.append('output [\n' + ',\n'.join(_tensor(t) for t in outputs) + '\n]')
    if steps:
        rendered = []
        for s in steps:
            body = [f'model_name: {_q(s["model"])}', f'model_version: {s.get("version", -1)}']
            body += [f'input_map {{ key: {_q(k)} value: {_q(v)} }}' for k, v in s['inputs'].items()]
            body += [f'output_map {{ key: {_q(k)} value: {_q(v)} }}' for k, v in s['outputs'].items()]
            rendered.append('    {\n      ' + '\n      '.join(body) + '\n    }')
        lines.append('ensemble_scheduling {\n  step [\n' + ',\n'.join(rendered) + '\n  ]\n}')
    elif dynamic_batching:
        lines.append('dynamic_batching {\n  max_queue_delay_microseconds: 1000\n}')
    for key, value in parameters.items():
        if not re.fullmatch(r'[a-z0-9_]+', key):
            raise ValueError(f'parameter key {key!r}: use lower_snake_case')
        lines.append(f'parameters {{\n  key: {_q(key)}\n  value: {{ string_value: {_q(param_value(value))} }}\n}}')
    return '\n'.join(lines) + '\n'


def next_version(repo, model):
    d = os.path.join(repo, model)
    existing = [int(n) for n in os.listdir(d) if n.isdigit()] if os.path.isdir(d) else []
    return max(existing, default=0) + 1


def write_model(repo, name, version, config_text, onnx_path=None, labels=None, card=None):
    """Creates <repo>/<name>/config.pbtxt and <repo>/<name>/<version>/ (model.onnx, or a .gitkeep for ensembles)."""
    model_dir = os.path.join(repo, name)
    vdir = os.path.join(model_dir, str(version))
    os.makedirs(vdir, exist_ok=True)
    if onnx_path is not None:
        shutil.copyfile(onnx_path, os.path.join(vdir, 'model.onnx'))
    else:
        open(os.path.join(vdir, '.gitkeep'), 'w').close()  # Triton needs the version folder, git needs a file
    with open(os.path.join(model_dir, 'config.pbtxt'), 'w') as f:
        f.write(config_text)
    if labels is not None:
        with open(os.path.join(model_dir, 'labels.txt'), 'w') as f:
            f.write('\n'.join(labels) + '\n')
    if card is not None:
        with open(os.path.join(model_dir, 'MODEL_CARD.md'), 'w') as f:
            f.write(card)
    return vdir
