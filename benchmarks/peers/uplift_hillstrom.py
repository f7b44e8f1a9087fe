#!/usr/bin/env python3
"""A measurement tool, not a test dependency: scikit-learn's HistGradientBoostingClassifier (defaults) as a
T-learner on the Hillstrom e-mail experiment, scored on exactly the customers `churn evaluate uplift` holds back
for the same seed, with the same Qini coefficient, AUUC and uplift@k definitions (docs/evaluation.md).

    apt-get install --no-install-recommends python3-sklearn python3-pandas
    python3 benchmarks/peers/uplift_hillstrom.py tests/data/hillstrom/hillstrom.csv 42 1 2 3 4
    python3 benchmarks/peers/uplift_hillstrom.py --treatment "Womens E-Mail" --outcome conversion --repeats 5 tests/data/hillstrom/hillstrom.csv 42 1 2 3 4
"""
import csv
import math
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

M = (1 << 64) - 1


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


class Rng:
    """xoshiro256** seeded through SplitMix64, as Churn.Data's Rng (ForStream(seed, stream))."""

    def __init__(self, seed, stream):
        s = ((seed * 0x9E3779B97F4A7C15) & M) ^ ((stream + 0x632BE59BD9B4E019) & M)
        self.s = []
        for _ in range(4):
            s, z = splitmix(s)
            self.s.append(z)

    def next(self):
        s0, s1, s2, s3 = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
        result = (rotl((s1 * 5) & M, 7) * 9) & M
        t = (s1 << 17) & M
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result


def split(n, share, seed):
    order = list(range(n))
    rng = Rng(seed, 0)
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        order[i], order[j] = order[j], order[i]
    test = int(round(n * share))
    return sorted(order[test:]), sorted(order[:test])


def curve(u, t, y, qini):
    order = sorted(range(len(u)), key=lambda i: (-u[i], i))
    pts = [(0, 0.0)]
    nt = nc = yt = yc = 0
    for k, i in enumerate(order):
        if t[i]:
            nt += 1
            yt += y[i]
        else:
            nc += 1
            yc += y[i]
        if k == len(order) - 1 or u[order[k + 1]] != u[i]:
            if qini:
                g = yt - (yc * nt / nc if nc else 0)
            else:
                g = ((yt / nt if nt else 0) - (yc / nc if nc else 0)) * (nt + nc)
            pts.append((k + 1, g))
    return pts


def area(pts):
    return sum((pts[i][0] - pts[i - 1][0]) * (pts[i][1] + pts[i - 1][1]) / 2 for i in range(1, len(pts)))


def normalised(u, t, y, qini):
    model = curve(u, t, y, qini)
    perfect = curve([(1.0 if t[i] else -1.0) if y[i] else 0.0 for i in range(len(u))], t, y, qini)
    rnd = model[-1][1] * model[-1][0] / 2
    return (area(model) - rnd) / (area(perfect) - rnd)


def uplift_at(u, t, y, share):
    order = sorted(range(len(u)), key=lambda i: (-u[i], i))[: math.ceil(share * len(u))]
    tt = [y[i] for i in order if t[i]]
    cc = [y[i] for i in order if not t[i]]
    return sum(tt) / len(tt) - sum(cc) / len(cc)


def main():
    args = sys.argv[1:]
    opts = {"--treatment": "Mens E-Mail", "--outcome": "visit", "--repeats": "5"}
    while args and args[0].startswith("--"):
        flag, value, args = args[0], args[1], args[2:]
        if flag not in opts:
            sys.exit(f"unknown flag {flag}: {', '.join(opts)}")
        opts[flag] = value
    arm, outcome, repeats = opts["--treatment"], opts["--outcome"], int(opts["--repeats"])
    path, seeds = args[0], [int(s) for s in args[1:]] or [42]
    rows = [r for r in csv.DictReader(open(path, newline="")) if r["segment"] in (arm, "No E-Mail")]
    cats = {c: sorted({r[c] for r in rows}) for c in ("history_segment", "zip_code", "channel")}
    def features(r):
        x = [float(r["recency"]), float(r["history"]), float(r["mens"]), float(r["womens"]), float(r["newbie"])]
        for c, levels in cats.items():
            x += [1.0 if r[c] == v else 0.0 for v in levels]
        return x
    X = np.array([features(r) for r in rows])
    T = np.array([r["segment"] == arm for r in rows])
    Y = np.array([int(r[outcome]) for r in rows])
    # HistGradientBoostingClassifier's defaults are not deterministic here: with more than 10,000 rows it stops early on a
    # validation tenth drawn afresh on each fit (random_state=None). Each split is therefore fitted `--repeats` times and
    # the figures averaged; the spread between repeats is printed beside them.
    totals = []
    for seed in seeds:
        train, test = split(len(rows), 0.3, seed)
        tr, te = np.array(train), np.array(test)
        t, y = T[te].tolist(), Y[te].tolist()
        runs = []
        for _ in range(repeats):
            m1 = HistGradientBoostingClassifier().fit(X[tr][T[tr]], Y[tr][T[tr]])
            m0 = HistGradientBoostingClassifier().fit(X[tr][~T[tr]], Y[tr][~T[tr]])
            u = (m1.predict_proba(X[te])[:, 1] - m0.predict_proba(X[te])[:, 1]).tolist()
            runs.append([normalised(u, t, y, True), normalised(u, t, y, False)] + [uplift_at(u, t, y, k) for k in (0.1, 0.2, 0.3)])
        mean = np.mean(runs, axis=0)
        sd = np.std(runs, axis=0)
        totals.append(mean)
        print(f"{outcome} | {arm} | seed {seed} | sklearn HGB T-learner ({repeats} fits) | qini {mean[0]:.4f} (sd {sd[0]:.4f}) "
              f"auuc {mean[1]:.4f} @10 {mean[2]:.4f} @20 {mean[3]:.4f} @30 {mean[4]:.4f} (sd {sd[4]:.4f}) | train {len(train)}, test {len(test)}")
    m = np.mean(totals, axis=0)
    print(f"{outcome} | {arm} | mean of seeds {' '.join(map(str, seeds))} | qini {m[0]:.4f} auuc {m[1]:.4f} @10 {m[2]:.4f} @20 {m[3]:.4f} @30 {m[4]:.4f}")

if __name__ == "__main__":
    main()
