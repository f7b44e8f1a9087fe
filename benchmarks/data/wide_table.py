#!/usr/bin/env python3
"""Writes a wide churn table for the end-to-end CLI benchmarks: an id, 30 numeric features drawn
uniformly from [0, 10), and a churn label from a planted logit
-3 + 0.4*f0 - 0.2*f1 + [f2 > 5] + 0.3*sin(f3) (seeded, standard library only).

    python3 benchmarks/data/wide_table.py --rows 1000000 --out /tmp/big1m.csv
"""
import argparse
import math
import random

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=1_000_000)
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--out", required=True)
args = parser.parse_args()
rng = random.Random(args.seed)
with open(args.out, "w", newline="\n") as f:
    f.write("id," + ",".join(f"f{j}" for j in range(30)) + ",churn\n")
    for i in range(args.rows):
        x = [rng.random() * 10 for _ in range(30)]
        logit = -3 + 0.4 * x[0] - 0.2 * x[1] + (1 if x[2] > 5 else 0) + 0.3 * math.sin(x[3])
        churn = rng.random() < 1 / (1 + math.exp(-logit))
        f.write(f"c{i}," + ",".join(f"{v:.4f}" for v in x) + f",{'yes' if churn else 'no'}\n")
