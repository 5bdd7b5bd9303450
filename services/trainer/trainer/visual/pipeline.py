from ..common.splits import with_fold
from .train import HP, fit_models


def run(args):
    args.hp = with_fold(HP, getattr(args, 'fold', None))
    fitted = fit_models(args.data, args.ckpt_dir, args.hp)
    if args.stage == 'fit':
        return
    from .export import export_all
    export_all(args, fitted)
