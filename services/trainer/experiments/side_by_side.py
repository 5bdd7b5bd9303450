"""Runs one process per configuration at once (on one GPU, say) and waits for them all."""
import argparse
import os
import subprocess
import sys


def add_arguments(parser, configs, budget):
    """The options every side-by-side experiment takes: configuration names, --out, --device, --budget, --one."""
    parser.add_argument('names', nargs='*', help=f'configurations (default all): {", ".join(configs)}')
    parser.add_argument('--out', required=True)
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--budget', type=float, default=budget, help='wall seconds per configuration')
    parser.add_argument('--one', action='store_true', help=argparse.SUPPRESS)


def chosen(parser, args, configs):
    """The configurations named on the command line (all by default); an unknown name is a usage error."""
    names = args.names or list(configs)
    unknown = [n for n in names if n not in configs]
    if unknown:
        parser.error(f'unknown configurations: {unknown}')
    return names


def run_all(names, out, argv_of):
    """argv_of(name) -> the arguments after `python3`; each process logs to OUT/NAME.log. Returns the names that
    failed."""
    os.makedirs(out, exist_ok=True)
    procs = [subprocess.Popen([sys.executable, *argv_of(n)], stdout=open(os.path.join(out, f'{n}.log'), 'w'),
                              stderr=subprocess.STDOUT)
             for n in names]
    return [n for n, proc in zip(names, procs) if proc.wait() != 0]
