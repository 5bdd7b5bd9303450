from .train import fit_models


def run(args):
    fitted = fit_models(args.data, args.ckpt_dir)
    if args.stage == 'fit':
        return
    from .export import export_all
    export_all(args, fitted)
