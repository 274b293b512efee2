"""What the experiment scripts share: arguments, running a sweep (or resuming it), numbers
with confidence intervals, and saving a figure.

Each script in this folder runs ``configs/experiments/<name>.toml`` into ``results/<name>/``
and draws ``results/<name>/<name>.png``. Running a script again resumes the sweep already
there, so only missing runs are run and the figure is redrawn from the stored runs.

The March (1991) figures are numbered as in the paper: 1 learning rates, 2 and 3 mixed fast
and slow learners, 4 turnover, 5 turbulence (Watts's NetLogo replication, MarchOLM1.nlogo,
sets up the same five experiments under the same numbers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import commsim  # a lazy front door: --help stays quick, the heavy imports wait for a run

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from commsim.experiment.sweep import SweepProgress

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "configs" / "experiments"


def arguments(name: str, doc: str | None) -> argparse.Namespace:
    """``--out`` (default ``results/<name>``) and ``--workers`` (default: one per core)."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "results" / name,
        help=f"sweep directory; a sweep already there is resumed (default: results/{name})",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    return parser.parse_args()


def run_sweep(name: str, out: Path, workers: int | None) -> Path:
    """Run ``configs/experiments/<name>.toml`` into ``out``, resuming a sweep already there."""
    from commsim.experiment.store import is_sweep_dir

    resume = is_sweep_dir(out)

    def progress(state: SweepProgress) -> None:
        if sys.stderr.isatty() and (state.finished % 100 == 0 or state.finished == state.total):
            done, total = state.skipped + state.finished, state.skipped + state.total
            print(f"\r{name}: {done}/{total} runs", end="", file=sys.stderr, flush=True)

    try:
        report = commsim.sweep(
            EXPERIMENTS / f"{name}.toml", out, workers=workers, resume=resume, progress=progress
        )
    except (ValueError, FileExistsError) as exc:  # e.g. DIR holds a sweep of another basis
        raise SystemExit(str(exc)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"{name}: {report.done} of {report.planned} runs stored in {report.out}"
        f" ({report.skipped} were already there, {report.failed} failed)"
    )
    if report.failed:
        raise SystemExit(f"{report.failed} runs failed; see {report.out}/failures/")
    return Path(report.out)


def with_ci(table: pd.DataFrame) -> pd.Series:
    """``mean ± half-width`` strings from ``summarize_sweep`` rows ("-" where no run has one)."""
    half = (table["ci_high"] - table["ci_low"]) / 2
    text = table["mean"].map("{:.3f}".format) + " ± " + half.map("{:.3f}".format)
    return text.where(table["n"] > 0, "-")


def mean_ci(frame: pd.DataFrame, by: Sequence[str], value: str) -> pd.DataFrame:
    """Mean and 95% t interval of ``value`` across the rows of each ``by`` group."""
    import numpy as np
    from scipy import stats

    agg = frame.groupby(list(by))[value].agg(n="count", mean="mean", sd="std").reset_index()
    half = stats.t.ppf(0.975, np.maximum(agg["n"] - 1, 1)) * agg["sd"] / np.sqrt(agg["n"])
    return agg.assign(ci_low=agg["mean"] - half, ci_high=agg["mean"] + half)


def figure(width: float, height: float, ncols: int = 1, nrows: int = 1) -> tuple[Figure, list[Any]]:
    """A bare Agg figure (no pyplot state) and its axes, as a flat list."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, list(axes.flat)


def errorbar(ax: Any, x: Any, rows: pd.DataFrame, **style: Any) -> None:
    """Means with their 95% interval (``summarize_sweep``'s mean, ci_low and ci_high)."""
    low, high = rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]
    ax.errorbar(x, rows["mean"], yerr=[low, high], capsize=3, **style)


def save(fig: Figure, out: Path, name: str) -> Path:
    """Write ``out/<name>.png`` (no timestamp in the file: same figure, same bytes)."""
    path = out / f"{name}.png"
    fig.savefig(path, dpi=130, metadata={"Software": None})
    print(f"wrote {path}")
    return path
