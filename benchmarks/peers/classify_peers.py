#!/usr/bin/env python3
"""A measurement tool, not a test dependency: scikit-learn's HistGradientBoostingClassifier, xgboost's XGBClassifier
and scikit-learn's LogisticRegression, each with its defaults, cross-validated on any CSV with exactly the folds
`churn model train --folds K --seed S` uses (stratified; the same System.Random-ordered assignment, ported below),
so that ours and theirs are compared on the same rows. Prints the pooled out-of-fold ROC-AUC (what `churn model train`
reports), the mean of the folds' AUCs, and the seconds spent fitting.

    apt-get install --no-install-recommends python3-sklearn python3-xgboost python3-pandas
    python3 benchmarks/peers/classify_peers.py --label Churn --positive Yes --id customerID data.csv

Encoding, as the shared datasets' README describes the reference protocol: the id column dropped, a column numeric
when every non-blank value is a number (blanks missing), any other column one-hot encoded (blank a level of its own).
The tree learners take missing numbers as they are; logistic regression gets them imputed with the training mean and
standardised (max_iter raised to 1000 so that it converges; C = 1 as by default).
"""
import argparse
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

try:
    from xgboost import XGBClassifier
except ImportError:  # measured only where installed
    XGBClassifier = None


class NetRandom:
    """System.Random(seed) of .NET (the seeded, legacy subtractive generator), Next() only."""

    def __init__(self, seed):
        big, mseed = 2147483647, 161803398
        a = [0] * 56
        mj = mseed - (2147483647 if seed == -2147483648 else abs(seed))
        a[55] = mj
        mk = 1
        for i in range(1, 55):
            ii = (21 * i) % 55
            a[ii] = mk
            mk = mj - mk
            if mk < 0:
                mk += big
            mj = a[ii]
        for _ in range(4):
            for i in range(1, 56):
                a[i] -= a[1 + (i + 30) % 55]
                if a[i] > 2147483647:
                    a[i] -= 4294967296
                if a[i] < 0:
                    a[i] += big
        self.a, self.inext, self.inextp = a, 0, 21

    def next(self):
        self.inext = 1 if self.inext + 1 >= 56 else self.inext + 1
        self.inextp = 1 if self.inextp + 1 >= 56 else self.inextp + 1
        r = self.a[self.inext] - self.a[self.inextp]
        if r == 2147483647:
            r -= 1
        if r < 0:
            r += 2147483647
        self.a[self.inext] = r
        return r


def folds_of(labels, k, seed):
    """ChurnModelTrainer's stratified assignment: rows ordered by a seeded key, each class dealt round-robin."""
    rng = NetRandom(seed)
    keys = [rng.next() for _ in labels]
    order = sorted(range(len(labels)), key=lambda i: keys[i])
    fold, p, n = [0] * len(labels), 0, 0
    for i in order:
        if labels[i]:
            fold[i], p = p % k, p + 1
        else:
            fold[i], n = n % k, n + 1
    return np.array(fold)


def encode(frame, label, positive, drop):
    y = frame[label].astype(str).str.strip().str.lower().eq(positive.lower()).to_numpy()
    columns = []
    for name in frame.columns:
        if name == label or name in drop:
            continue
        text = frame[name].astype(str).str.strip()
        blank = frame[name].isna() | text.eq("")
        numbers = pd.to_numeric(text.where(~blank), errors="coerce")
        if numbers[~blank].notna().all():
            columns.append(numbers.astype(float).rename(name))
        else:
            columns.append(pd.get_dummies(text.where(~blank, "(blank)"), prefix=name, dtype=float))
    return pd.concat(columns, axis=1).to_numpy(dtype=float), y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--label", required=True)
    ap.add_argument("--positive", default="1")
    ap.add_argument("--id", default=None)
    ap.add_argument("--ignore", default="")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    frame = pd.read_csv(args.csv, dtype=str, keep_default_na=False, na_values=[])
    drop = {c for c in args.ignore.split(",") if c} | ({args.id} if args.id else set())
    X, y = encode(frame, args.label, args.positive, drop)
    fold = folds_of(y.tolist(), args.folds, args.seed)
    peers = {
        "sklearn-hgb": lambda: HistGradientBoostingClassifier(random_state=args.seed),
        "logistic": lambda: make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=1000)),
    }
    if XGBClassifier is not None:
        peers["xgboost"] = lambda: XGBClassifier(random_state=args.seed, n_jobs=0)
    for name, make in peers.items():
        oof, aucs, seconds = np.zeros(len(y)), [], 0.0
        for k in range(args.folds):
            train, test = fold != k, fold == k
            started = time.perf_counter()
            model = make().fit(X[train], y[train])
            seconds += time.perf_counter() - started
            oof[test] = model.predict_proba(X[test])[:, 1]
            aucs.append(roc_auc_score(y[test], oof[test]))
        print(f"{args.csv} | {name} | pooled AUC {roc_auc_score(y, oof):.5f} | mean fold AUC {np.mean(aucs):.5f} | fit seconds {seconds:.2f} "
              f"| rows {len(y)} features {X.shape[1]} | seed {args.seed}")


if __name__ == "__main__":
    main()
