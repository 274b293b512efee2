"""This checkout against another commit (default: ``main``), side by side in one run.

    .venv/bin/python benchmarks/bench_versions.py                  # against main
    .venv/bin/python benchmarks/bench_versions.py --against f1b0f4b --repeats 7

The other commit is checked out into a temporary git worktree (removed afterwards). Each
workload runs in a fresh interpreter per version and repeat, the versions alternating so
that a busy machine slows both alike; a figure is the least over repeats (and, for steps,
over three windows of each run). The workloads are
the users' real ones: steps of one model at several sizes, and many small runs (a sweep's
runs: construction, a short run and the model table, one after another in one process).
Both versions use this checkout's virtual environment (numba's kernels are compiled once,
by an untimed warm-up run, before any timing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (label, scenario, members, steps timed): steps of one model, after one untimed step
STEPS = (
    ("default, N = 1,000", "default.toml", 1_000, 200),
    ("default, N = 10,000", "default.toml", 10_000, 60),
    ("default, N = 100,000", "default.toml", 100_000, 10),
    ("March 1991, N = 10,000", "march1991.toml", 10_000, 100),
)
# (label, scenario, members, steps, runs): many small runs, as a sweep's worker does them
SMALL_RUNS = (("200 runs of N = 100 x 60 steps", "default.toml", 100, 60, 200),)

_STEP_CODE = """
import json, sys, time
from commsim.model import CommunityModel
scenario, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = CommunityModel(scenario, n_agents=n, steps=3 * steps + 1)
model.step()
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    best = min(best, (time.perf_counter() - start) / steps)
print(json.dumps(best))
"""

_RUNS_CODE = """
import json, sys, time
from commsim.model import CommunityModel
scenario, n, steps, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
CommunityModel(scenario, n_agents=n, steps=2).run()
start = time.perf_counter()
for seed in range(runs):
    model = CommunityModel(scenario, n_agents=n, steps=steps, seed=seed)
    model.run()
    model.model_frame()
print(json.dumps((time.perf_counter() - start) / runs))
"""


def measure(source: Path, code: str, scenario: str, *args: object) -> float:
    """Seconds, as the snippet prints them, with ``source``'s commsim on the path and its own
    copy of the scenario file (each version reads the files of its own time)."""
    done = subprocess.run(
        [sys.executable, "-c", code, str(source / "configs" / scenario), *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(source / "src")},
    )
    return float(json.loads(done.stdout))


def compare(trees: dict[str, Path], code: str, args: tuple[object, ...], repeats: int) -> dict:
    """The least seconds of each version over its repeats, alternating versions within each
    repeat: the same work is never faster than it can be, so the minimum is the figure a busy
    machine disturbs least."""
    times: dict[str, list[float]] = {name: [] for name in trees}
    for tree in trees.values():  # warm-up: numba's cache, the OS's file cache
        measure(tree, code, *args)
    for _ in range(repeats):
        for name, tree in trees.items():
            times[name].append(measure(tree, code, *args))
    return {name: min(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git ref to compare with")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", args.against], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="commsim-bench-") as scratch:
        other = Path(scratch) / "other"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), commit],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            trees = {f"{args.against} ({commit})": other, f"this ({head}+)": ROOT}
            rows = [
                (label, _STEP_CODE, (scenario, n, steps), "ms/step")
                for label, scenario, n, steps in STEPS
            ] + [
                (label, _RUNS_CODE, (scenario, n, steps, runs), "ms/run")
                for label, scenario, n, steps, runs in SMALL_RUNS
            ]
            names = list(trees)
            print(f"| workload | {names[0]} | {names[1]} | ratio (this / other) |")
            print("|---|---|---|---|")
            for label, code, call, unit in rows:
                best = compare(trees, code, call, args.repeats)
                old, new = (best[name] * 1e3 for name in names)
                print(f"| {label} | {old:.3f} {unit} | {new:.3f} {unit} | {new / old:.3f} |")
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
