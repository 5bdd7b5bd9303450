"""Fixed seeds and thread settings so that the same data and code give the same metrics."""
import os
import random

import numpy as np


def set_determinism(seed, threads):
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    os.environ.setdefault('PYTHONHASHSEED', str(seed))
