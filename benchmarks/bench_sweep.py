"""Sweep throughput: the same sweep on 1 worker and on N, side by side in one run.

    .venv/bin/python benchmarks/bench_sweep.py [--workers 2] [--runs 8] [--scheduler ADDRESS]

Each run is a default-scenario organisation sized to take about a second or more, so the
ratio measures parallel execution rather than process start-up. Prints a table: wall time,
runs per minute and speed-up over one worker. With ``--scheduler`` the same sweep also runs
on that Dask cluster.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from time import perf_counter

import commsim

ROOT = Path(__file__).resolve().parents[1]


def experiment(folder: Path, runs: int, n_agents: int, steps: int) -> Path:
    path = folder / "bench.toml"
    values = ", ".join(f"{0.1 + 0.8 * i / max(runs - 1, 1):.4f}" for i in range(runs))
    path.write_text(
        f'name = "bench"\nbase = "{ROOT / "configs" / "default.toml"}"\nsteps = {steps}\n'
        f"[overrides]\nn_agents = {n_agents}\nagent_sample_size = 0\n"
        f"[parameters]\ninitial_safety = [{values}]\n"
    )
    return path


def timed(path: Path, out: Path, **where: object) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t0 = perf_counter()
    report = commsim.sweep(path, out, **where)
    elapsed = perf_counter() - t0
    assert report.done == report.planned and not report.failed, report
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--n-agents", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--scheduler", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = experiment(folder, args.runs, args.n_agents, args.steps)
        rows = [("1 worker (this process)", timed(path, folder / "one", workers=1))]
        label = f"{args.workers} workers (process pool)"
        rows.append((label, timed(path, folder / "pool", workers=args.workers)))
        if args.scheduler:
            rows.append(
                (
                    f"Dask at {args.scheduler}",
                    timed(path, folder / "dask", scheduler=args.scheduler),
                )
            )
    base = rows[0][1]
    print(
        f"{args.runs} runs of {args.n_agents:,} members x {args.steps} steps "
        f"({base / args.runs:.2f} s per run on one worker)"
    )
    print(f"{'backend':<34}{'wall s':>9}{'runs/min':>10}{'speed-up':>10}")
    for name, seconds in rows:
        print(f"{name:<34}{seconds:>9.2f}{60 * args.runs / seconds:>10.1f}{base / seconds:>9.2f}x")


if __name__ == "__main__":
    main()
