"""Reading back what repo_writer wrote: parameters of a config.pbtxt, a model's newest version."""
import json
import os
import re

# `training_scope` of a model trained on every development image (`trainer train --all-dev`); `npm run evaluate`
# and kfold.sh read it back.
ALL_DEV_SCOPE = 'all development images'


def string_parameter(config_text, key):
    """The string_value of parameter `key` in a config.pbtxt (protobuf text format, backslash escapes)."""
    m = re.search(r'key:\s*"' + re.escape(key) + r'"\s*value:\s*\{\s*string_value:\s*("(?:[^"\\]|\\.)*")', config_text)
    if m is None:
        raise KeyError(f'no parameter {key!r}')
    return json.loads(m.group(1).replace('\\n', '\n'))


def newest_model_file(repo, name):
    """The newest numbered version's model.onnx of `name` in a model repository."""
    folder = os.path.join(repo, name)
    versions = [int(v) for v in os.listdir(folder) if v.isdigit()] if os.path.isdir(folder) else []
    if not versions:
        raise FileNotFoundError(f'{folder} has no numbered version')
    return os.path.join(folder, str(max(versions)), 'model.onnx')
