#!/usr/bin/env python3
"""A measurement tool, not a test dependency: scikit-learn's HistGradientBoostingClassifier fitted on exactly the rows
of the TrainingBenchmarks (1,000,000 x 30), dumped by the benchmark's setup:

    CHURN_BENCH_DUMP=/tmp/train1m dotnet run -c Release --project benchmarks/Churn.Benchmarks -- --filter '*TrainingBenchmarks*'
    python3 benchmarks/peers/train_speed.py /tmp/train1m

Times (wall clock, best of three) the same settings as the benchmark (200 trees of 8 leaves at 0.05, at least 20 rows
per leaf, no early stopping) and scikit-learn's defaults, on all cores.
"""
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

prefix = sys.argv[1]
y = np.fromfile(prefix + ".y", dtype=np.uint8)
X = np.fromfile(prefix + ".x", dtype=np.float32).reshape(len(y), -1)
for name, make in [
    ("same settings (200 trees, 8 leaves, 0.05)", lambda: HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=8, learning_rate=0.05, min_samples_leaf=20, early_stopping=False, random_state=42)),
    ("defaults", lambda: HistGradientBoostingClassifier(random_state=42)),
]:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        model = make().fit(X, y)
        times.append(time.perf_counter() - started)
    print(f"scikit-learn HistGradientBoosting, {name}: best {min(times):.2f} s, mean {np.mean(times):.2f} s over 3 fits ({model.n_iter_} trees), rows {len(y)}")
