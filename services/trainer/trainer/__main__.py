"""python3 -m trainer train visual|thermal|electrical [--data DIR] [--repo DIR] [--ckpt-dir DIR] [--stage ...]
   python3 -m trainer split visual|thermal --out DIR   (the validation fold as a dataset folder, for npm run evaluate)"""
import argparse
import functools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
DEFAULT_DATA = {
    'visual': 'magnetic_tile',
    'thermal': 'infrared_solar_modules',
    'electrical': 'secom',
}


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m trainer')
    sub = p.add_subparsers(dest='command', required=True)
    t = sub.add_parser('train', help='train, calibrate, export and write a new model version')
    t.add_argument('modality', choices=sorted(DEFAULT_DATA))
    t.add_argument('--data', help='dataset folder with manifest.csv (default ../shared/datasets/<name>)')
    t.add_argument('--repo', default=os.path.join(REPO_ROOT, 'triton-model-repo'), help='Triton model repository')
    t.add_argument('--ckpt-dir', default='/tmp/trainer-ckpt', help='checkpoints and intermediate results')
    t.add_argument('--version', type=int, help='version number to write (default: next free number)')
    t.add_argument('--stage', choices=['fit', 'all'], default='all',
                   help='fit: only train (resumable); all: train if needed, then calibrate, export, write')
    t.add_argument('--threads', type=int, default=2)
    t.add_argument('--fold', type=int, help='image models: which of the 5 stratified folds to hold out (default 0, the '
                   'shipped models); use with a scratch --repo and --ckpt-dir for k-fold figures')
    t.add_argument('--device', help="thermal: where the grouped member trains, e.g. 'cuda' (default: HP['device'], "
                   "the CPU)")
    t.add_argument('--serve-members', type=int, help="thermal: serve only the first K of the grouped member's "
                   "networks (cheaper on a CPU; default: all)")
    t.add_argument('--all-dev', metavar='FOLDS_DIR', help="image models: train on every development image; "
                   "calibration, operating point and figures come from the five fold models of the same recipe, each "
                   "scoring the images it did not train on. Thermal: FOLDS_DIR/thermal_members_f0.pt ... f4.pt; "
                   "visual: FOLDS_DIR/visual-f0-repo ... visual-f4-repo (the scratch repositories kfold.sh writes)")
    t.add_argument('--split', choices=['stratified', 'tile'], help="visual: 'tile' keeps every tile's exposures on "
                   "one side of the split (folds for tiles never seen; default 'stratified', the shipped models)")
    v = sub.add_parser('split', help='write the validation fold of an image dataset as a dataset folder (symlinks)')
    v.add_argument('modality', choices=['visual', 'thermal'])
    v.add_argument('--data', help='dataset folder with manifest.csv (default ../shared/datasets/<name>)')
    v.add_argument('--out', required=True, help='folder to write (manifest.csv + symbolic links)')
    v.add_argument('--fold', type=int, default=0, help='which of the 5 stratified folds (default 0)')
    v.add_argument('--split', choices=['stratified', 'tile'], help="visual: the split the model was trained with")
    args = p.parse_args(argv)
    if getattr(args, 'all_dev', None) is not None and args.modality == 'electrical':
        p.error('--all-dev applies to the image models (the electrical model reports repeated k-fold itself)')
    if getattr(args, 'all_dev', None) is not None and args.split is not None:
        p.error('--all-dev trains on every image whatever the split; leave --split out')
    for flag in ('device', 'serve_members'):
        if getattr(args, flag, None) is not None and args.modality != 'thermal':
            p.error(f"--{flag.replace('_', '-')} applies to the thermal model only")
    if getattr(args, 'device', None) is not None and args.device.startswith('cuda'):
        import torch
        if not torch.cuda.is_available():
            p.error(f'--device {args.device}: PyTorch sees no CUDA device on this machine; train the thermal member '
                    'on a GPU machine (services/trainer/README.md, Train) or leave --device out for the CPU')
    if getattr(args, 'all_dev', None) is not None and args.fold is not None:
        p.error('--all-dev trains on every fold; leave --fold out')
    if args.split is not None and args.modality != 'visual':
        p.error('--split applies to the visual model only')
    if args.fold is not None and not 0 <= args.fold < 5:
        p.error(f'--fold must be between 0 and 4 (the image models use a stratified 5-fold split), got {args.fold}')
    if args.command == 'split':
        return write_split(args)
    data = args.data or os.path.join(REPO_ROOT, '..', 'shared', 'datasets', DEFAULT_DATA[args.modality])
    args.data = os.path.abspath(data)
    # a tile split trains other networks than the stratified one: never resume one from the other's checkpoints
    # neither may a model trained on every image resume one trained without fold 0
    args.ckpt_dir = os.path.join(args.ckpt_dir, args.modality + ('-tile' if args.split == 'tile' else '')
                                 + ('-all' if getattr(args, 'all_dev', None) else ''))
    from .common.determinism import set_determinism
    set_determinism(0, args.threads)
    if args.modality == 'electrical' and args.fold is not None:
        p.error('--fold applies to the image models; the electrical model reports repeated k-fold itself')
    if args.modality == 'thermal':
        from .thermal.pipeline import run
    elif args.modality == 'visual':
        from .visual.pipeline import run
    else:
        from .electrical.pipeline import run
    run(args)
    return 0


def write_split(args):
    from .common.split_export import write_validation_folder
    from .common.splits import with_fold, with_split
    data = os.path.abspath(args.data or os.path.join(REPO_ROOT, '..', 'shared', 'datasets', DEFAULT_DATA[args.modality]))
    groups_of = None
    if args.modality == 'visual':
        from .visual.data import CLASS_NAMES
        from .visual.train import HP, split_groups
        hp = with_split(with_fold(HP, args.fold), args.split)
        groups_of = functools.partial(split_groups, hp=hp)
    else:
        from .thermal.data import CLASS_NAMES
        from .thermal.train import HP
        hp = with_fold(HP, args.fold)
    n = write_validation_folder(data, args.out, CLASS_NAMES, hp, groups_of=groups_of)
    print(f'{n} validation items of {data} -> {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
