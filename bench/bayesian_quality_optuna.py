#!/usr/bin/python3
"""Optuna's TPE on bench/bayesian_quality_bench.cc's functions and seeds.

Same functions, search spaces, seeds (1..SEEDS, as TPESampler's seed) and
table format as bayesian_quality_bench: median [q1, q3] of the simple regret
after 10, 25, 50 and 100 evaluations, one trial at a time. TPE runs with
Optuna's defaults (10 random startup trials), as a user would get it.

Debian's python3-optuna loads only in /usr/bin/python3:
  /usr/bin/python3 bench/bayesian_quality_optuna.py [--seeds 20] [--evals 100]
      [--functions branin,hartmann6,mixed,levy10] [--raw]
"""

import argparse
import math
import sys
import time

import optuna

CHECKPOINTS = (10, 25, 50, 100)


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    s = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - s) * math.cos(x1) + 10


ALPHA = (1.0, 1.2, 3.0, 3.2)
A = ((10, 3, 17, 3.5, 1.7, 8), (0.05, 10, 17, 0.1, 8, 14),
     (3, 3.5, 1.7, 10, 17, 8), (17, 8, 0.05, 10, 0.1, 14))
P = ((0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886),
     (0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991),
     (0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650),
     (0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381))


def hartmann6(t):
    x = [t.suggest_float(f"x{j}", 0, 1) for j in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
                for i in range(4))


SHIFT_OFFSET = {"red": (-2.0, 0.5), "green": (1.3, 0.0), "blue": (3.0, 0.3),
                "yellow": (0.0, 1.0)}


def mixed(t):
    a = t.suggest_float("a", -5, 5)
    n = t.suggest_int("n", 0, 20)
    b = t.suggest_categorical("b", [1, 2, 4, 8, 16])
    color = t.suggest_categorical("color", ["red", "green", "blue", "yellow"])
    shift, offset = SHIFT_OFFSET[color]
    return offset + (a - shift) ** 2 / 4 + ((n - 13) / 5) ** 2 + 0.2 * (math.log2(b) - 2) ** 2


def levy10(t):
    w = [1 + (t.suggest_float(f"x{j}", -10, 10) - 1) / 4 for j in range(10)]
    s = math.sin(math.pi * w[0]) ** 2
    for j in range(9):
        s += (w[j] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[j] + 1) ** 2)
    return s + (w[9] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[9]) ** 2)


FUNCTIONS = {
    "branin": (branin, 0.39788735772973816),
    "hartmann6": (hartmann6, -3.3223680114155147),
    "mixed": (mixed, 0.0),
    "levy10": (levy10, 0.0),
}


def quantile(values, q):
    """Linear interpolation between order statistics, as the C++ bench."""
    values = sorted(values)
    position = q * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (position - low) * (values[high] - values[low])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--evals", type=int, default=100)
    parser.add_argument("--functions", default="branin,hartmann6,mixed,levy10")
    parser.add_argument("--raw", action="store_true")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    checkpoints = [c for c in CHECKPOINTS if c <= args.evals]

    print("| function | algorithm |" +
          "".join(f" regret@{c} median [q1, q3] |" for c in checkpoints) + " s/run |")
    print("| --- | --- |" + " --- |" * len(checkpoints) + " --- |", flush=True)
    for name in args.functions.split(","):
        objective, minimum = FUNCTIONS[name]
        at = {c: [] for c in checkpoints}
        total = 0.0
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            start = time.monotonic()
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(objective, n_trials=args.evals)
            total += time.monotonic() - start
            best = math.inf
            regret = []
            for trial in study.trials:
                best = min(best, trial.value)
                regret.append(max(best - minimum, 0.0))
            for c in checkpoints:
                at[c].append(regret[c - 1])
            if args.raw:
                print(f"raw {name} tpe {seed} " + " ".join(f"{regret[c - 1]:.6g}" for c in checkpoints),
                      file=sys.stderr)
        cells = "".join(f" {quantile(at[c], 0.5):.3g} [{quantile(at[c], 0.25):.3g}, "
                        f"{quantile(at[c], 0.75):.3g}] |" for c in checkpoints)
        print(f"| {name} | optuna-tpe |{cells} {total / args.seeds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
