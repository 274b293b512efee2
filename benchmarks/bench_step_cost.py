"""A step's fixed cost, this tree against an earlier commit, side by side in one run.

    .venv/bin/python benchmarks/bench_step_cost.py [--against main] [--repeats 7]
        [--march-runs 20] [--steps 50]

The earlier commit's ``src`` is extracted with ``git archive`` into a temporary folder. Each
measurement runs in a fresh subprocess whose ``PYTHONPATH`` points at one of the two trees,
the two alternating (old, new, new, old, ...) so that a busy machine disturbs both alike;
the table shows medians over ``--repeats``. Times are CPU seconds of the worker, taken after
a warm-up (imports and numba's cache load are not counted), as medians over runs or steps
so that a step the machine interrupted does not count. Workloads:

* March's preset (configs/march1991.toml, N = 50) run to equilibrium from seeds 0, 1, ...:
  per step, and per run including construction;
* the default scenario (configs/default.toml) at N = 100, 300, 500, 1,000, 3,000: one untimed
  step (the first is atypical: the code is still empty), then ``--steps`` steps timed.

The fixed cost is the intercept a of a least-squares fit ``time per step = a + b * N`` over
N = 100, 300, 1,000, 3,000. Not a timed test: it only reports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MARCH = str(ROOT / "configs" / "march1991.toml")
DEFAULT = str(ROOT / "configs" / "default.toml")
SIZES = (100, 300, 500, 1000, 3000)
FIT_SIZES = (100, 300, 1000, 3000)


def measure_march(runs: int) -> dict[str, float]:
    """Milliseconds per step and per run (construction included), March to equilibrium:
    medians over the runs."""
    from commsim.model.model import CommunityModel

    CommunityModel(MARCH, seed=runs).run()  # warm-up: imports, numba's cache
    per_step, per_run = [], []
    for seed in range(runs):
        start = time.process_time()
        model = CommunityModel(MARCH, seed=seed)
        model.run()
        spent = time.process_time() - start
        per_step.append(1e3 * spent / model.steps)
        per_run.append(1e3 * spent)
    return {
        "march per step": statistics.median(per_step),
        "march per run": statistics.median(per_run),
    }


def measure_default(n: int, steps: int) -> float:
    """Milliseconds per step of the default scenario at N = n, steps 2 .. steps + 1: the
    median step (a step the machine interrupted does not count)."""
    from commsim.model.model import CommunityModel

    model = CommunityModel(DEFAULT, n_agents=n, seed=1)
    model.step()
    times = []
    for _ in range(steps):
        start = time.process_time()
        model.step()
        times.append(1e3 * (time.process_time() - start))
    return statistics.median(times)


def worker(march_runs: int, steps: int) -> dict[str, float]:
    """Every measurement once, in this process (the tree is the one on ``PYTHONPATH``)."""
    times = measure_march(march_runs)
    measure_default(SIZES[0], 2)  # warm-up of the default scenario's kernels
    for n in SIZES:
        times[f"default N={n}"] = measure_default(n, steps)
    return times


def extract(rev: str, into: Path) -> Path:
    """``rev``'s ``src`` folder, from ``git archive``, under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_worker(src: Path, march_runs: int, steps: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--worker", "--march-runs", str(march_runs)]
    out = subprocess.run(
        [*command, "--steps", str(steps)], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.splitlines()[-1])


def fixed_cost(medians: dict[str, float]) -> tuple[float, float]:
    """(a, b) of ``ms per step = a + b * N`` fitted over ``FIT_SIZES``."""
    b, a = np.polyfit(FIT_SIZES, [medians[f"default N={n}"] for n in FIT_SIZES], 1)
    return float(a), float(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="the earlier commit (default: main)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--march-runs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.march_runs, args.steps)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": extract(args.against, Path(tmp)), "after": ROOT / "src"}
        samples: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for repeat in range(args.repeats):
            order = ("before", "after") if repeat % 2 == 0 else ("after", "before")
            for which in order:
                samples[which].append(run_worker(trees[which], args.march_runs, args.steps))
            print(f"repeat {repeat + 1}/{args.repeats} done", file=sys.stderr)
    medians = {
        which: {key: statistics.median(s[key] for s in runs) for key in runs[0]}
        for which, runs in samples.items()
    }
    print(f"before = {args.against}, after = this tree; medians of {args.repeats} repeats (ms)")
    print(f"{'workload':<18} {'before':>9} {'after':>9} {'ratio':>7}")
    for key, before in medians["before"].items():
        after = medians["after"][key]
        print(f"{key:<18} {before:9.3f} {after:9.3f} {before / after:7.2f}")
    for which in ("before", "after"):
        a, b = fixed_cost(medians[which])
        print(f"{which}: ms per step = {a:.3f} + {1e3 * b:.3f} us * N (fit over N = {FIT_SIZES})")


if __name__ == "__main__":
    main()
