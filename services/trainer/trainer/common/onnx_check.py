"""Export helpers and the PyTorch-vs-ONNX parity check (run through onnxruntime-node)."""
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx

OPSET = 17  # the highest opset torch 1.13's exporter supports
RUNNER = os.path.join(os.path.dirname(__file__), '..', '..', 'tools', 'onnx-run.js')


def export_torch(module, example, path, input_names, output_names, keep_batchnorm=False):
    """Exports with a dynamic batch dimension on every input and output, then checks the model. keep_batchnorm:
    batch-norm layers stay BatchNormalization nodes (inference mode) instead of being folded into the convolutions'
    weights, so those weights stay exactly as trained (ONNX Runtime folds them itself when a session starts)."""
    import torch  # here, not at the top: the graph builders and their tests run without PyTorch installed
    module.eval()
    dynamic = {n: {0: 'batch'} for n in list(input_names) + list(output_names)}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = torch.onnx.TrainingMode.PRESERVE if keep_batchnorm else torch.onnx.TrainingMode.EVAL
    with torch.no_grad():
        torch.onnx.export(module, example, path, input_names=list(input_names), output_names=list(output_names),
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=not keep_batchnorm, training=mode)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    return model


def run_onnx(model_path, inputs, output_names, batch=64):
    """inputs: {name: numpy array}; returns ({name: float32 array}, milliseconds)."""
    with tempfile.TemporaryDirectory(prefix='onnx-run-') as tmp:
        spec = {'model': os.path.abspath(model_path), 'outputs': list(output_names), 'outDir': tmp,
                'batch': batch, 'inputs': []}
        for name, arr in inputs.items():
            arr = np.ascontiguousarray(arr)
            kind = {np.dtype('uint8'): 'uint8', np.dtype('float32'): 'float32'}[arr.dtype]
            f = os.path.join(tmp, f'in-{name}.bin')
            arr.tofile(f)
            spec['inputs'].append({'name': name, 'type': kind, 'dims': list(arr.shape), 'file': f})
        spec_path = os.path.join(tmp, 'spec.json')
        with open(spec_path, 'w') as fh:
            json.dump(spec, fh)
        subprocess.run(['node', os.path.abspath(RUNNER), spec_path], check=True)
        with open(os.path.join(tmp, 'shapes.json')) as fh:
            meta = json.load(fh)
        out = {o: np.fromfile(os.path.join(tmp, f'{o}.bin'), dtype=np.float32).reshape(meta['shapes'][o])
               for o in output_names}
    return out, meta['ms']


def parity(name, torch_out, onnx_out, bound, log, relative=False):
    """Prints and bounds the max abs difference between PyTorch and ONNX outputs; returns it.
    relative=True bounds diff / (1 + max |reference|) instead (for unbounded logits)."""
    worst = 0.0
    for key in torch_out:
        ref = np.asarray(torch_out[key], np.float64)
        diff = float(np.max(np.abs(ref - np.asarray(onnx_out[key], np.float64))))
        scale = 1.0 + float(np.max(np.abs(ref))) if relative else 1.0
        log(f'parity {name}.{key}: max abs diff {diff:.3e} (bound {bound:g}'
            + (f' x {scale:.1f}' if relative else '') + f') over {len(ref)} items')
        if not diff <= bound * scale:
            raise AssertionError(f'{name}.{key}: PyTorch/ONNX max abs diff {diff} exceeds {bound * scale}')
        worst = max(worst, diff)
    return worst


def store_weights_fp16(path, min_elements=1024):
    """Rewrites the ONNX file at path so that every float32 initializer of at least min_elements values whose
    values are all exactly float16 numbers (weights trained or carried in fp16) is stored as float16 and cast back
    to float32 by a Cast node at the start of the graph: half the size, no value changed, fp32 arithmetic (ONNX
    Runtime folds the casts once, when the session starts). Returns how many were converted."""
    from onnx import TensorProto, helper, numpy_helper
    model = onnx.load(path)
    graph, casts, converted = model.graph, [], 0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elements or not np.array_equal(arr.astype(np.float16).astype(np.float32), arr):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(arr.astype(np.float16), f'{name}__fp16'))
        casts.append(helper.make_node('Cast', [f'{name}__fp16'], [name], to=TensorProto.FLOAT,
                                      name=f'{name}__to_fp32'))
        converted += 1
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return converted
