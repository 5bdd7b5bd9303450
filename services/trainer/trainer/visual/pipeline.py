from ..common.splits import with_fold, with_split
from .train import HP, fit_models


def run(args):
    args.hp = with_split(with_fold(HP, getattr(args, 'fold', None)), getattr(args, 'split', None))
    fitted = fit_models(args.data, args.ckpt_dir, args.hp)
    if args.stage == 'fit':
        return
    from .export import export_all
    export_all(args, fitted)
