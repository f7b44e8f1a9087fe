#!/usr/bin/env python3
"""A measurement tool, not a test dependency: scikit-learn's HistGradientBoostingClassifier (defaults) as a
T-learner on the Hillstrom e-mail experiment, scored on exactly the customers `churn evaluate uplift` holds back
for the same seed, with the same Qini coefficient, AUUC and uplift@k definitions (docs/evaluation.md).

    apt-get install --no-install-recommends python3-sklearn python3-pandas
    python3 benchmarks/peers/uplift_hillstrom.py tests/data/hillstrom/hillstrom.csv 42 1 2 3 4
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
    path, seeds = sys.argv[1], [int(s) for s in sys.argv[2:]] or [42]
    rows = [r for r in csv.DictReader(open(path, newline="")) if r["segment"] in ("Mens E-Mail", "No E-Mail")]
    cats = {c: sorted({r[c] for r in rows}) for c in ("history_segment", "zip_code", "channel")}
    def features(r):
        x = [float(r["recency"]), float(r["history"]), float(r["mens"]), float(r["womens"]), float(r["newbie"])]
        for c, levels in cats.items():
            x += [1.0 if r[c] == v else 0.0 for v in levels]
        return x
    X = np.array([features(r) for r in rows])
    T = np.array([r["segment"] == "Mens E-Mail" for r in rows])
    Y = np.array([int(r["visit"]) for r in rows])
    for seed in seeds:
        train, test = split(len(rows), 0.3, seed)
        tr, te = np.array(train), np.array(test)
        m1 = HistGradientBoostingClassifier().fit(X[tr][T[tr]], Y[tr][T[tr]])
        m0 = HistGradientBoostingClassifier().fit(X[tr][~T[tr]], Y[tr][~T[tr]])
        u = (m1.predict_proba(X[te])[:, 1] - m0.predict_proba(X[te])[:, 1]).tolist()
        t, y = T[te].tolist(), Y[te].tolist()
        print(f"seed {seed}: sklearn HGB T-learner qini {normalised(u, t, y, True):.4f} auuc {normalised(u, t, y, False):.4f} "
              f"@10 {uplift_at(u, t, y, 0.1):.4f} @20 {uplift_at(u, t, y, 0.2):.4f} @30 {uplift_at(u, t, y, 0.3):.4f} (train {len(train)}, test {len(test)})")


if __name__ == "__main__":
    main()
