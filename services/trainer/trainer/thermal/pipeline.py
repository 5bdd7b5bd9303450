import os

from ..common.splits import with_fold
from .train import HP, fit_model


def run(args):
    args.hp = with_fold(HP, getattr(args, 'fold', None))
    if getattr(args, 'device', None):
        args.hp = dict(args.hp, device=args.device)
    if getattr(args, 'serve_members', None) is not None:
        args.hp = dict(args.hp, grouped=dict(args.hp['grouped'], serve_members=args.serve_members))
    if getattr(args, 'all_dev', None):
        args.hp = dict(args.hp, all_dev=os.path.abspath(args.all_dev))
    fitted = fit_model(args.data, args.ckpt_dir, args.hp)
    if args.stage == 'fit':
        return
    from .export import export_all
    export_all(args, fitted)
