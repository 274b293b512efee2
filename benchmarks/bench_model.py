"""How fast the model is, measured side by side in one run: every table of docs/PERFORMANCE.md.

    .venv/bin/python benchmarks/bench_model.py                 # everything (a few minutes)
    .venv/bin/python benchmarks/bench_model.py --quick         # small sizes, a smoke test
    .venv/bin/python benchmarks/bench_model.py --only ratio march

Sections (``--only`` picks some):

ratio    the fast model against the per-agent reference (``ReferenceModel``, the same rules
         written one Mesa agent at a time), default scenario, N = 1,000 / 10,000 / 100,000;
         with the memory each model holds after construction and a step (tracemalloc)
march    March's preset (configs/march1991.toml) at N = 10,000, fast against the reference
million  1,000,000 members x 100 steps in a fresh process: wall time, peak memory, bytes
         per member; model construction at 10^6 is timed there too
collect  what collecting the metrics every step costs, at N = 100,000 (and 10,000)
scaling  time per step over N = 10^3 .. 10^6 and m = 10 .. 300, log-log and affine fits;
         writes results/scaling.png and docs/figures/scaling.png

Method. Both models take one untimed step (the first is atypical: the code is still empty)
and are then timed over the *same* window of steps. Runs alternate fast / reference so that
a busy machine slows both alike; each figure is the median over repeats. Times are wall
clock. numba's kernels are loaded (compiled on the very first run) before any timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from commsim.model import kernels
from commsim.model.metrics import COUNTERS
from commsim.model.model import CommunityModel
from commsim.model.reference import ReferenceModel

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")
MARCH = str(ROOT / "configs" / "march1991.toml")
SECTIONS = ("ratio", "march", "million", "collect", "scaling")


class NoMetrics(CommunityModel):
    """The fast model without data collection: counters reset, no row, no agent sample."""

    def _record(self) -> None:
        self.counts = dict.fromkeys(COUNTERS, 0)


@dataclass
class Window:
    """Seconds per step over the timed window of one run, and whether it stayed running."""

    per_step: float
    running: bool


def time_window(make: Callable[[], Any], steps: int) -> Window:
    """Build a model, take one untimed step, time the next ``steps``."""
    model = make()
    model.step()
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return Window((time.perf_counter() - start) / steps, bool(model.running))


def alternate(makers: dict[str, Callable[[], Any]], steps: int, repeats: dict[str, int]) -> dict:
    """Median seconds per step of each model, runs interleaved: a, b, a, b, a, ..."""
    times: dict[str, list[float]] = {name: [] for name in makers}
    for turn in range(max(repeats.values())):
        for name, make in makers.items():
            if turn < repeats[name]:
                window = time_window(make, steps)
                assert window.running, f"{name} stopped inside the timed window"
                times[name].append(window.per_step)
    return {name: statistics.median(t) for name, t in times.items()}


def traced_bytes(make: Callable[[], Any]) -> int:
    """Memory a model holds after construction and one step (Python objects and arrays)."""
    tracemalloc.start()
    try:
        model = make()
        model.step()
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def warm_up() -> None:
    """Load numba's kernels (compiling them on a first install) before timing anything."""
    CommunityModel(DEFAULT, n_agents=200, steps=5, turnover_rate=0.1).run()
    CommunityModel(MARCH, n_agents=50, steps=5).run()


# --- sections ----------------------------------------------------------------------------


def fast_vs_reference(config: str, sizes: list[int], label: str, quick: bool) -> list[dict]:
    """Per-step time of both models on the same steps, and their ratio."""
    rows = []
    for n in sizes:
        steps = 10 if n <= 10_000 else 3
        repeats = {"fast": 5, "reference": 3 if n <= 1_000 else (2 if n <= 10_000 else 1)}
        if quick:
            steps, repeats = min(steps, 5), {"fast": 3, "reference": 1}
        median = alternate(
            {
                "fast": lambda n=n: CommunityModel(config, n_agents=n),
                "reference": lambda n=n: ReferenceModel(config, n_agents=n),
            },
            steps,
            repeats,
        )
        fast_bytes = traced_bytes(lambda n=n: CommunityModel(config, n_agents=n))
        reference_bytes = traced_bytes(lambda n=n: ReferenceModel(config, n_agents=n))
        rows.append(
            {
                "scenario": label,
                "N": n,
                "steps": f"2-{steps + 1}",
                "fast_bytes": fast_bytes,
                "reference_bytes": reference_bytes,
                "fast_s_per_step": median["fast"],
                "reference_s_per_step": median["reference"],
                "fast_agent_steps_per_s": n / median["fast"],
                "reference_agent_steps_per_s": n / median["reference"],
                "ratio": median["reference"] / median["fast"],
            }
        )
        print_ratio_row(rows[-1])
    return rows


def print_ratio_header(title: str) -> None:
    print(f"\n{title}")
    head = (
        f"{'scenario':<10}{'N':>11}{'steps':>7}{'fast ms/step':>14}{'ref ms/step':>13}"
        f"{'fast agent-steps/s':>20}{'ref agent-steps/s':>19}{'fast/ref':>10}"
        f"{'fast MB':>9}{'ref MB':>9}"
    )
    print(head)
    print("-" * len(head))


def print_ratio_row(r: dict) -> None:
    print(
        f"{r['scenario']:<10}{r['N']:>11,}{r['steps']:>7}{1e3 * r['fast_s_per_step']:>14.3f}"
        f"{1e3 * r['reference_s_per_step']:>13.1f}{r['fast_agent_steps_per_s']:>20,.0f}"
        f"{r['reference_agent_steps_per_s']:>19,.0f}{r['ratio']:>9.1f}x"
        f"{r['fast_bytes'] / 1e6:>9.1f}{r['reference_bytes'] / 1e6:>9.1f}",
        flush=True,
    )


_MILLION_CHILD = """
import json, resource, sys, time
start = time.perf_counter()
import numpy as np
from commsim.model.model import CommunityModel


def peak_rss():
    # VmHWM is this process image's own high-water mark; ru_maxrss can carry over the
    # parent's from before exec on Linux
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


n, steps, config = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
imported = time.perf_counter()
CommunityModel(config, n_agents=200, steps=3).run()  # load numba's kernels
warmed = time.perf_counter()
rss_before = peak_rss()
model = CommunityModel(config, n_agents=n)
built = time.perf_counter()
for _ in range(steps):
    model.step()
stepped = time.perf_counter()
rss_run = peak_rss()
frames = (model.model_frame(), model.agent_frame(), model.insight_frame())
done = time.perf_counter()
state = model.state
state_bytes = sum(v.nbytes for v in vars(state).values() if isinstance(v, np.ndarray))
ties = model.ties
tie_bytes = ties.indptr.nbytes + ties.indices.nbytes + ties.edges.nbytes
print(json.dumps({
    "N": n, "steps": steps, "import_s": imported - start, "kernel_load_s": warmed - imported,
    "build_s": built - warmed, "steps_s": stepped - built, "frames_s": done - stepped,
    "wall_s": done - start, "peak_rss_run": rss_run, "peak_rss": peak_rss(),
    "rss_before_build": rss_before, "state_bytes": state_bytes, "tie_bytes": tie_bytes,
    "insight_events": len(frames[2]), "ties": int(ties.edges.shape[0]),
}))
"""


def million(n: int, steps: int) -> dict:
    """A large run in a fresh process, so that its peak memory is its own."""
    done = subprocess.run(
        [sys.executable, "-c", _MILLION_CHILD, str(n), str(steps), DEFAULT],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    r = json.loads(done.stdout)
    gib = 2**30
    print(f"\n{n:,} members x {steps} steps, default scenario, in a fresh process")
    print(f"  wall, all in (imports, kernels, build, steps, tables) {r['wall_s']:8.1f} s")
    print(f"    imports {r['import_s']:.1f} s | kernel load {r['kernel_load_s']:.1f} s")
    print(f"    construction (hierarchy, {r['ties']:,} ties, roles, state) {r['build_s']:.1f} s")
    print(
        f"    {steps} steps {r['steps_s']:.1f} s = {r['steps_s'] / steps:.3f} s/step "
        f"= {n * steps / r['steps_s']:,.0f} agent-steps/s"
    )
    print(
        f"    tables (model, agents, {r['insight_events']:,} insight events) {r['frames_s']:.1f} s"
    )
    base = r["rss_before_build"]
    print(
        f"  peak memory {r['peak_rss'] / gib:.2f} GiB ({r['peak_rss_run'] / gib:.2f} GiB until "
        f"the tables are built) = {r['peak_rss'] / n:,.0f} bytes per member"
    )
    print(
        f"    above the {base / gib:.2f} GiB of Python, numpy, pandas and numba before the "
        f"build: {(r['peak_rss'] - base) / n:,.0f} bytes per member with the tables, "
        f"{(r['peak_rss_run'] - base) / n:,.0f} while running"
    )
    print(
        f"  model state {(r['state_bytes'] + r['tie_bytes']) / n:,.0f} bytes per member "
        f"(beliefs and traits {r['state_bytes'] / n:.0f}, ties {r['tie_bytes'] / n:.0f})"
    )
    return r


def collection_share(sizes: list[int], quick: bool) -> list[dict]:
    """Step time with and without the metrics row (and agent sample), side by side."""
    rows = []
    print("\ncollecting the metrics every step: share of step time")
    head = f"{'N':>9}{'with ms/step':>14}{'without':>10}{'collection':>12}{'share':>8}"
    print(head)
    print("-" * len(head))
    for n in sizes:
        median = alternate(
            {
                "with": lambda n=n: CommunityModel(DEFAULT, n_agents=n),
                "without": lambda n=n: NoMetrics(DEFAULT, n_agents=n),
            },
            5 if quick else 10,
            {"with": 3 if quick else 7, "without": 3 if quick else 7},
        )
        cost = median["with"] - median["without"]
        rows.append({"N": n, **median, "share": cost / median["with"]})
        print(
            f"{n:>9,}{1e3 * median['with']:>14.3f}{1e3 * median['without']:>10.3f}"
            f"{1e3 * cost:>12.3f}{100 * cost / median['with']:>7.1f}%",
            flush=True,
        )
    return rows


def scaling(ns: list[int], ms: list[int], m_at: int, reference: list[dict], publish: bool) -> dict:
    """Seconds per step against N (m = 30) and against m (N = ``m_at``), with log-log fits."""

    def per_step(n: int, m: int) -> float:
        steps = int(max(3, min(20, 2_000_000 // (n * max(m, 30) // 30))))
        return min(
            time_window(lambda: CommunityModel(DEFAULT, n_agents=n, m=m), steps).per_step
            for _ in range(2 if n <= 100_000 else 1)
        )

    print("\nscaling: seconds per step (fast model, default scenario)")
    by_n = [(n, per_step(n, 30)) for n in ns]
    for n, t in by_n:
        print(
            f"  N = {n:>9,}  m = 30   {t:10.5f} s/step  {n / t:>14,.0f} agent-steps/s", flush=True
        )
    by_m = [(m, per_step(m_at, m)) for m in ms]
    for m, t in by_m:
        print(
            f"  N = {m_at:>9,}  m = {m:<4} {t:10.5f} s/step  {m_at * m / t:>14,.0f} beliefs/s",
            flush=True,
        )
    fits = {
        "N, all": fit(by_n),
        "N >= 10^4": fit([p for p in by_n if p[0] >= 10_000]),
        "m, all": fit(by_m),
        "m >= 30": fit([p for p in by_m if p[0] >= 30]),
    }
    lines = {"N": affine(by_n), "m": affine(by_m)}
    print(
        "  log-log exponents (time per step ~ x^b): "
        + ", ".join(f"{k}: b = {v:.2f}" for k, v in fits.items())
    )
    (a, c), (a_m, c_m) = lines["N"], lines["m"]
    print(
        f"  affine fits: time per step = {1e3 * a:.2f} ms + {1e9 * c:.0f} ns x N (m = 30); "
        f"= {1e3 * a_m:.2f} ms + {1e6 * c_m:.0f} us x m (N = {m_at:,})"
    )
    plot_scaling(by_n, by_m, m_at, fits, lines, reference, publish)
    return {"by_n": by_n, "by_m": by_m, "m_at": m_at, "exponents": fits, "affine": lines}


def fit(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) on log(x)."""
    if len(points) < 2:
        return float("nan")
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def affine(points: list[tuple[int, float]]) -> tuple[float, float]:
    """time = a + c * x, fitted on relative error: a fixed cost per step and a marginal one."""
    x, y = np.array(points, dtype=float).T
    c, a = np.polyfit(x, y, 1, w=1.0 / y)
    return float(a), float(c)


def plot_scaling(
    by_n: list,
    by_m: list,
    m_at: int,
    fits: dict,
    lines: dict,
    reference: list[dict],
    publish: bool,
) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    n, t = np.array(by_n, dtype=float).T
    left.loglog(
        n,
        t,
        "o-",
        label=f"fast model (b = {fits['N, all']:.2f}; {fits['N >= 10^4']:.2f} for N ≥ 10⁴)",
    )
    a, c = lines["N"]
    grid = np.geomspace(n[0], n[-1], 50)
    left.loglog(
        grid,
        a + c * grid,
        "--",
        color="tab:blue",
        alpha=0.5,
        label=f"{1e3 * a:.2f} ms + {1e9 * c:.0f} ns × N",
    )
    left.loglog(n, t[-1] * n / n[-1], ":", color="grey", label="linear (b = 1), through 10⁶")
    ref = [(r["N"], r["reference_s_per_step"]) for r in reference if r["scenario"] == "default"]
    if ref:
        rn, rt = np.array(ref, dtype=float).T
        left.loglog(rn, rt, "s--", color="tab:red", label="per-agent reference (Mesa)")
    left.set(xlabel="members N (m = 30)", ylabel="seconds per step", title="cost against N")
    left.legend(fontsize=8)
    left.grid(True, which="both", alpha=0.3)
    m, tm = np.array(by_m, dtype=float).T
    right.loglog(
        m,
        tm,
        "o-",
        color="tab:green",
        label=f"fast model (b = {fits['m, all']:.2f}; {fits['m >= 30']:.2f} for m ≥ 30)",
    )
    a, c = lines["m"]
    grid = np.geomspace(m[0], m[-1], 50)
    right.loglog(
        grid,
        a + c * grid,
        "--",
        color="tab:green",
        alpha=0.5,
        label=f"{1e3 * a:.2f} ms + {1e6 * c:.0f} µs × m",
    )
    right.loglog(m, tm[-1] * m / m[-1], ":", color="grey", label="linear (b = 1), through m = 300")
    right.set(
        xlabel=f"dimensions m (N = {m_at:,})", ylabel="seconds per step", title="cost against m"
    )
    right.legend(fontsize=8)
    right.grid(True, which="both", alpha=0.3)
    (ROOT / "results").mkdir(exist_ok=True)
    fig.savefig(ROOT / "results" / "scaling.png", dpi=120)
    if publish:  # a --quick run's figure stays out of the docs
        shutil.copyfile(ROOT / "results" / "scaling.png", ROOT / "docs" / "figures" / "scaling.png")
    print("  wrote results/scaling.png" + (" and docs/figures/scaling.png" if publish else ""))


# --- the run -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    numba_version = "off"
    if kernels.HAVE_NUMBA:
        import numba

        numba_version = numba.__version__
    return {
        "date": f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "platform": platform.platform(),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "load": "load average at start {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "versions": (
            f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba_version}, "
            f"mesa {mesa.__version__}"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "bench_model.json")
    args = parser.parse_args(argv)
    quick = args.quick
    info = machine()
    for key, value in info.items():
        print(f"{key:>9}: {value}")
    print(f"{'command':>9}: {' '.join([Path(sys.executable).name, *sys.argv])}")
    warm_up()
    out: dict[str, Any] = {"machine": info, "quick": quick}

    ratios: list[dict] = []
    if "ratio" in args.only or "march" in args.only:
        print_ratio_header("fast model vs per-agent reference, same steps, median of repeats")
    if "ratio" in args.only:
        sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
        ratios += fast_vs_reference(DEFAULT, sizes, "default", quick)
    if "march" in args.only:
        ratios += fast_vs_reference(MARCH, [2_000 if quick else 10_000], "march1991", quick)
    out["ratio"] = ratios
    if "million" in args.only:
        out["million"] = million(100_000, 20) if quick else million(1_000_000, 100)
    if "collect" in args.only:
        out["collect"] = collection_share([10_000] if quick else [10_000, 100_000], quick)
    if "scaling" in args.only:
        ns = (
            [1_000, 10_000, 100_000]
            if quick
            else [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000]
        )
        ms = [10, 30, 100] if quick else [10, 30, 100, 300]
        out["scaling"] = scaling(ns, ms, 10_000 if quick else 100_000, ratios, not quick)
    out["peak_rss_this_process"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1, default=str))
    shown = args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json
    print(f"\nnumbers in {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
