"""Resumable training: one checkpoint per epoch (atomically replaced), outside the repository."""
import os

import torch


def ckpt_path(ckpt_dir, name):
    return os.path.join(ckpt_dir, f'{name}.pt')


def save(ckpt_dir, name, state):
    os.makedirs(ckpt_dir, exist_ok=True)
    path = ckpt_path(ckpt_dir, name)
    tmp = path + '.tmp'
    torch.save(state, tmp)
    os.replace(tmp, path)


def load(ckpt_dir, name):
    path = ckpt_path(ckpt_dir, name)
    if not os.path.isfile(path):
        return None
    return torch.load(path, map_location='cpu')
