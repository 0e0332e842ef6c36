"""Time one Solver epoch on a large problem against the bare minimum numpy, in one run.

Run on demand (not in CI):  .venv/bin/python benchmarks/bench_solver.py [--n 1000000] [--d 30]

The bare minimum is what any implementation of a full-batch gradient step must do: two
matrix-vector products (X w and X^T g) and the elementwise sigmoid, loss and gradient. The
Solver epoch adds input checks, the validation pass and the bookkeeping. Targets: time ratio
at most 1.3, and peak memory above the data O(N) (a few (N, 1) arrays), not O(N D).
"""

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exercise_code.networks import BCE, Classifier
from exercise_code.solver import Solver


def make_problem(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal((d, 1)) / np.sqrt(d)
    y = (rng.random((n, 1)) < 1 / (1 + np.exp(-3 * X @ w_true))).astype(np.int64)
    return X, y


def bare_minimum_step(X, y, w, b, lr):
    """One gradient step with nothing but the arithmetic; returns the loss."""
    s = X @ w + b
    z = 1 / (1 + np.exp(-s))
    loss = -np.mean(y * np.log(z) + (1 - y) * np.log(1 - z))
    g = (z - y) / len(y)
    w -= lr * (X.T @ g)
    b -= lr * g.sum()
    return loss


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(fn):
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    X, y = make_problem(args.n, args.d)
    X_val, y_val = make_problem(1000, args.d, seed=1)
    data = {"X_train": X, "y_train": y, "X_val": X_val, "y_val": y_val}
    model = Classifier(num_features=args.d)
    solver = Solver(model, data, BCE(), learning_rate=0.5, verbose=False)
    solver.train(1)  # warm-up, and the one-off NaN scan of X

    w = np.zeros((args.d, 1))
    b = np.zeros(1)
    bare_minimum_step(X, y, w, b, 0.5)  # warm-up

    # Interleave the two so that machine noise hits both alike.
    solver_times, bare_times = [], []
    for _ in range(args.repeats):
        solver_times.append(median_time(lambda: solver.train(1), 1))
        bare_times.append(median_time(lambda: bare_minimum_step(X, y, w, b, 0.5), 1))
    t_solver, t_bare = statistics.median(solver_times), statistics.median(bare_times)

    peak_solver = peak_bytes(lambda: solver.train(1))
    peak_bare = peak_bytes(lambda: bare_minimum_step(X, y, w, b, 0.5))
    column = args.n * 8  # one (N, 1) float64 array

    print(f"problem: N = {args.n:,}, D = {args.d}, float64; data X: {X.nbytes / 2**20:.0f} MiB")
    print(f"Solver epoch:        {1e3 * t_solver:8.1f} ms  (median of {args.repeats})")
    print(f"bare-minimum numpy:  {1e3 * t_bare:8.1f} ms")
    print(f"time ratio:          {t_solver / t_bare:8.2f}  (target <= 1.3)")
    print(
        f"peak extra memory:   Solver {peak_solver / 2**20:.1f} MiB = {peak_solver / column:.1f} "
        f"(N, 1) columns; bare minimum {peak_bare / 2**20:.1f} MiB = {peak_bare / column:.1f} "
        f"columns; X itself = {X.nbytes / column:.0f} columns (target: O(N), not O(N D))"
    )


if __name__ == "__main__":
    main()
