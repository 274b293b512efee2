"""Sweep throughput: the same sweep on 1 worker and on N, side by side in one run.

    .venv/bin/python benchmarks/bench_sweep.py [--workers 2] [--runs 8] [--scheduler ADDRESS]

Each run is a default-scenario organisation sized to take about a second, so the ratio
measures parallel execution rather than process start-up. Prints a table: wall time, runs per
minute and speed-up over one worker. With ``--scheduler`` the same sweep also runs on that Dask
cluster.

The last row is the machine's own ceiling: the same runs split over N bare processes that only
compute (no pool, no results sent back, nothing written). On a shared virtual machine N cores
rarely give N times the work; the pool's speed-up divided by this one is the sweep machinery's
own efficiency.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
from pathlib import Path
from time import perf_counter

import commsim
from commsim.experiment.plan import RunTask, plan_sweep
from commsim.experiment.runner import execute
from commsim.experiment.spec import load_experiment

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


def _compute(tasks: list[RunTask]) -> None:
    for task in tasks:
        execute(task)


def bare(path: Path, processes: int) -> float:
    """The same runs on ``processes`` plain processes, results discarded: the ceiling."""
    tasks = list(plan_sweep(load_experiment(path)).tasks)
    context = multiprocessing.get_context("forkserver")
    workers = [
        context.Process(target=_compute, args=(tasks[i::processes],)) for i in range(processes)
    ]
    t0 = perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--n-agents", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--scheduler", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = experiment(folder, args.runs, args.n_agents, args.steps)
        rows = [("1 worker (this process)", timed(path, folder / "one", workers=1))]
        label = f"{args.workers} workers (process pool)"
        rows.append((label, timed(path, folder / "pool", workers=args.workers)))
        ceiling = (f"ceiling: {args.workers} bare processes", bare(path, args.workers))
        if args.scheduler:
            rows.append(
                (
                    f"Dask at {args.scheduler}",
                    timed(path, folder / "dask", scheduler=args.scheduler),
                )
            )
        rows.append(ceiling)
    base = rows[0][1]
    print(
        f"{args.runs} runs of {args.n_agents:,} members x {args.steps} steps "
        f"({base / args.runs:.2f} s per run on one worker)"
    )
    print(f"{'backend':<34}{'wall s':>9}{'runs/min':>10}{'speed-up':>10}")
    for name, seconds in rows:
        print(f"{name:<34}{seconds:>9.2f}{60 * args.runs / seconds:>10.1f}{base / seconds:>9.2f}x")
    print(f"pool efficiency against the ceiling: {ceiling[1] / rows[1][1]:.0%}")


if __name__ == "__main__":
    main()
