"""Where a step's time goes: milliseconds per phase of ``CommunityModel.step``.

    .venv/bin/python benchmarks/profile_phases.py [--sizes 10000 100000] [--steps 10]
        [--repeats 5] [--pyinstrument]

Each phase function that ``model.py`` calls is wrapped with a timer (by name, so the script
also profiles older versions of the package: ``PYTHONPATH=old/src``). For each size it builds
``--repeats`` fresh models of the default scenario, takes one untimed step (the first is
atypical: the code is still empty) and times the next ``--steps`` steps. Times are CPU
seconds of this process, which a busy machine disturbs less than wall time. With
``--pyinstrument`` it also prints pyinstrument's call tree for the largest size.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from commsim.model.model import CommunityModel
from commsim.model.phases import DEFAULT_PHASES

DEFAULT = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")

spent: collections.defaultdict[str, float] = collections.defaultdict(float)
timing = [False]


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        result = fn(*args, **kwargs)
        if timing[0]:
            spent[name] += time.process_time() - start
        return result

    return wrapper


class Profiled(CommunityModel):
    """The model with every phase, and the metrics, timed: a subclass, no patching."""

    phases = tuple(replace(phase, run=timed(phase.name, phase.run)) for phase in DEFAULT_PHASES)

    _record = timed("metrics (record)", CommunityModel._record)


def profile(n: int, steps: int, repeats: int) -> tuple[float, dict[str, float]]:
    """CPU milliseconds per step, in total and by phase."""
    spent.clear()
    total = 0.0
    for _ in range(repeats):
        model = Profiled(DEFAULT, n_agents=n)
        model.step()
        timing[0] = True
        start = time.process_time()
        for _ in range(steps):
            model.step()
        total += time.process_time() - start
        timing[0] = False
    per_step = 1e3 / (steps * repeats)
    return total * per_step, {k: v * per_step for k, v in spent.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args(argv)
    warm = CommunityModel(DEFAULT, n_agents=100)
    warm.run(5)  # numba loads (or compiles) its kernels here, not in the timings
    import commsim

    print(f"commsim from {Path(commsim.__file__).parent}")
    results = {n: profile(n, args.steps, args.repeats) for n in args.sizes}
    names = sorted(results[args.sizes[-1]][1], key=lambda k: -results[args.sizes[-1]][1][k])
    header = f"{'phase':<22}" + "".join(f"{f'N={n:,}':>22}" for n in args.sizes)
    print(f"CPU ms per step (steps 2-{args.steps + 1}, {args.repeats} models each)\n")
    print(header)
    print("-" * len(header))
    for name in [*names, "(other)", "total"]:
        cells = []
        for n in args.sizes:
            total, phases = results[n]
            ms = {"total": total, "(other)": total - sum(phases.values())}.get(name)
            ms = phases.get(name, 0.0) if ms is None else ms
            cells.append(f"{ms:12.3f} {100 * ms / total:6.1f}%  ")
        print(f"{name:<22}" + "".join(f"{c:>22}" for c in cells))
    if args.pyinstrument:
        from pyinstrument import Profiler

        model = CommunityModel(DEFAULT, n_agents=args.sizes[-1])
        model.step()
        with Profiler(interval=0.0005) as profiler:
            for _ in range(args.steps):
                model.step()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
