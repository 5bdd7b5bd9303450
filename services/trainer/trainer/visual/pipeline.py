import os

from ..common.splits import with_fold, with_split
from .train import HP, fit_models


def run(args):
    args.hp = with_split(with_fold(HP, getattr(args, 'fold', None)), getattr(args, 'split', None))
    if getattr(args, 'all_dev', None):
        args.hp = dict(args.hp, all_dev=os.path.abspath(args.all_dev))
    fitted = fit_models(args.data, args.ckpt_dir, args.hp)
    if args.stage == 'fit':
        return
    from .export import export_all
    export_all(args, fitted)
