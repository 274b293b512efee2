"""Agent-steps per second of the fast model and the per-agent reference, side by side.

Run: ``python benchmarks/bench_model.py [--sizes 1000 10000 100000] [--steps 20]``.

Both models use the default config at each size. Construction is timed on its own; each
model then takes ``--warmup`` untimed steps (the first step is atypical: the code is still
empty, so nobody socialises), and the timed steps follow. The reference is slow, so it runs
fewer timed steps (``--reference-steps``; by default enough for roughly 30,000 agent-steps,
at least one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from dataclasses import dataclass

import mesa
import numpy as np

from commsim.model.model import CommunityModel
from commsim.model.reference import ReferenceModel


@dataclass
class Timing:
    build_s: float
    steps: int
    step_s: float  # seconds for all timed steps

    @property
    def per_step(self) -> float:
        return self.step_s / self.steps


def measure(model_cls: type, n: int, steps: int, warmup: int, seed: int) -> Timing:
    """Build one model, run ``warmup`` untimed steps, then time ``steps`` steps."""
    t0 = time.perf_counter()
    model = model_cls(None, n_agents=n, seed=seed)
    t1 = time.perf_counter()
    for _ in range(warmup):
        model.step()
    t2 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t3 = time.perf_counter()
    return Timing(build_s=t1 - t0, steps=steps, step_s=t3 - t2)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} | {platform.platform()} | "
        f"{cpu} | {os.cpu_count()} CPUs | Python {platform.python_version()} | "
        f"numpy {np.__version__} | mesa {mesa.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--steps", type=int, default=20, help="timed steps of the fast model")
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=None,
        help="timed steps of the reference (default: about 30,000 agent-steps, at least 1)",
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps before timing")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print(machine())
    print("default config; agent-steps/s = members x timed steps / time of the timed steps\n")
    header = (
        f"{'N':>9} {'model':>9} {'build s':>8} {'steps':>5} {'s/step':>9} "
        f"{'agent-steps/s':>14} {'fast/ref':>9}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        ref_steps = args.reference_steps or max(1, min(args.steps, 30_000 // n))
        fast = measure(CommunityModel, n, args.steps, args.warmup, args.seed)
        ref = measure(ReferenceModel, n, ref_steps, args.warmup, args.seed)
        ratio = ref.per_step / fast.per_step
        for name, t, shown in (("fast", fast, f"{ratio:8.1f}x"), ("reference", ref, "")):
            print(
                f"{n:>9,} {name:>9} {t.build_s:8.3f} {t.steps:>5} {t.per_step:9.4f} "
                f"{n / t.per_step:14,.0f} {shown:>9}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
