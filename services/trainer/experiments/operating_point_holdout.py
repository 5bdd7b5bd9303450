"""How the review band chosen on validation holds on items it was not chosen on, from k-fold evaluation reports
(`npm run evaluate --out`, e.g. kfold.sh's; their per-item defect probabilities, no model is run).

For each fold and each threshold rule:
- in-sample: the band chosen on the fold's own items, scored on them (what the reports quote);
- held out: each item scored by the band chosen on the fold's other items (`--method loo`, leave one out: the
  situation of a band chosen on n items and applied to a new one), or on a random stratified half of the fold and
  scored on the other half (`--method half`, both ways, many draws; quicker for large folds);
- other folds: the band chosen on the other folds' pooled items (their own fold models), scored on this fold.

Rules: 'recall' requires validation recall >= target (floor((1 - r) n) misses allowed) and at most the target
share of validation good items failing (the rule before 2026-11-27); 'conformal' is
trainer.common.calibration.operating_point: an unseen defect escapes with probability at most 1 - r, and an unseen
good item fails with probability at most the target false-reject rate.

    cd services/trainer
    /usr/bin/python3 -m experiments.operating_point_holdout --good Free /tmp/kfold/evaluate-visual_ensemble-fold*.json
    /usr/bin/python3 -m experiments.operating_point_holdout --good No-Anomaly --method half \
        /tmp/kft/evaluate-thermal_ensemble-fold*.json
"""
import argparse
import json

import numpy as np

from trainer.common.calibration import operating_point


def recall_only(p, d, target_recall, max_false_reject):
    """The earlier rule: the highest review threshold with validation recall >= target_recall, and the lowest fail
    threshold at or above it at which at most max_false_reject of the validation good items fail."""
    k = int(np.floor(round((1.0 - target_recall) * d.sum(), 9)))
    review = float(np.sort(p[d])[min(k, int(d.sum()) - 1)])
    cands = np.unique(p)
    fail = float(cands[-1])
    for t in cands[cands >= review]:
        if (p[~d] >= t).mean() <= max_false_reject:
            fail = float(t)
            break
    review, fail = max(review - 1e-6, 0.0), max(fail - 1e-6, 0.0)
    return {'review_threshold': review, 'fail_threshold': max(fail, review)}


RULES = {'recall': recall_only,
         'conformal': lambda p, d, recall, max_fr: operating_point(p, d, recall, max_fr, warn=False)}


def load(path, good):
    items = json.load(open(path))['items']
    p = np.array([it['defect_probability'] for it in items], np.float64)
    d = np.array([it['true_class'] != good for it in items])
    return p, d


def rates(p, d, ops):
    review, fail = ops['review_threshold'], ops['fail_threshold']
    return np.array([(p[d] < review).mean(), (p[~d] >= fail).mean(), ((p >= review) & (p < fail)).mean()])


def split_half(p, d, rule, recall, max_fr, reps, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(reps):
        a = np.zeros(len(p), bool)
        for group in (d, ~d):
            idx = np.flatnonzero(group)
            rng.shuffle(idx)
            a[idx[:len(idx) // 2]] = True
        for fit, score in ((a, ~a), (~a, a)):
            out.append(rates(p[score], d[score], rule(p[fit], d[fit], recall, max_fr)))
    return np.mean(out, axis=0)


def leave_one_out(p, d, rule, recall, max_fr):
    """Escape, false-reject and review rates of items each decided by the band chosen without it."""
    keep = np.ones(len(p), bool)
    decided = []
    for i in range(len(p)):
        keep[i] = False
        ops = rule(p[keep], d[keep], recall, max_fr)
        keep[i] = True
        decided.append('fail' if p[i] >= ops['fail_threshold'] else
                       'review' if p[i] >= ops['review_threshold'] else 'pass')
    decided = np.array(decided)
    return np.array([(decided[d] == 'pass').mean(), (decided[~d] == 'fail').mean(), (decided == 'review').mean()])


def report(folds, rule_name, recall, max_fr, reps, method):
    rule = RULES[rule_name]
    rows = []
    for k, (p, d) in enumerate(folds):
        others_p = np.concatenate([q for j, (q, _) in enumerate(folds) if j != k])
        others_d = np.concatenate([e for j, (_, e) in enumerate(folds) if j != k])
        rows.append({'fold': k, 'defects': int(d.sum()), 'good': int((~d).sum()),
                     'in_sample': rates(p, d, rule(p, d, recall, max_fr)),
                     'held_out': (leave_one_out(p, d, rule, recall, max_fr) if method == 'loo' else
                                  split_half(p, d, rule, recall, max_fr, reps, seed=k)),
                     'other_folds': rates(p, d, rule(others_p, others_d, recall, max_fr))})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog='experiments.operating_point_holdout')
    ap.add_argument('reports', nargs='+')
    ap.add_argument('--good', required=True, help='the good class (Free, No-Anomaly, pass)')
    ap.add_argument('--recall', type=float, default=0.98)
    ap.add_argument('--max-false-reject', type=float, default=0.02)
    ap.add_argument('--method', choices=['loo', 'half'], default='loo', help='how items are held out in a fold')
    ap.add_argument('--reps', type=int, default=200, help='random split-half draws per fold (--method half)')
    a = ap.parse_args(argv)
    folds = [load(path, a.good) for path in a.reports]
    for rule_name in RULES:
        rows = report(folds, rule_name, a.recall, a.max_false_reject, a.reps, a.method)
        print(f'rule {rule_name} (target recall {a.recall}, max false reject {a.max_false_reject}): '
              'escape / false reject / review')
        for r in rows:
            cols = '  '.join(f'{name} {v[0]:.1%} / {v[1]:.1%} / {v[2]:.1%}'
                             for name, v in (('in-sample', r['in_sample']), ('held out', r['held_out']),
                                             ('other folds', r['other_folds'])))
            print(f"  fold {r['fold']} ({r['defects']} defects, {r['good']} good): {cols}")
        mean = {key: np.mean([r[key] for r in rows], axis=0) for key in ('in_sample', 'held_out', 'other_folds')}
        print('  mean: ' + '  '.join(f'{key.replace("_", "-")} {v[0]:.1%} / {v[1]:.1%} / {v[2]:.1%}'
                                      for key, v in mean.items()))


if __name__ == '__main__':
    main()
