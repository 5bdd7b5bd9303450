"""Export helpers and the PyTorch-vs-ONNX parity check (run through onnxruntime-node)."""
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx

OPSET = 17  # the highest opset torch 1.13's exporter supports
RUNNER = os.path.join(os.path.dirname(__file__), '..', '..', 'tools', 'onnx-run.js')


def export_torch(module, example, path, input_names, output_names):
    """Exports with a dynamic batch dimension on every input and output, then checks the model."""
    import torch  # here, not at the top: the graph builders and their tests run without PyTorch installed
    module.eval()
    dynamic = {n: {0: 'batch'} for n in list(input_names) + list(output_names)}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, example, path, input_names=list(input_names), output_names=list(output_names),
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
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
