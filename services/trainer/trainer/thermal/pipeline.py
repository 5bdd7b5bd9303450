from .train import fit_model


def run(args):
    fit_model(args.data, args.ckpt_dir)
    if args.stage == 'fit':
        return
    from .export import export_all
    export_all(args)
