"""What the experiment scripts share: arguments, running a sweep (or resuming it), numbers
with confidence intervals, and saving a figure.

Each script in this folder runs ``configs/experiments/<name>.toml`` into ``results/<name>/``
and draws ``results/<name>/<name>.png``. Running a script again resumes the sweep already
there, so only missing runs are run and the figure is redrawn from the stored runs.

The validation scripts (``validation/``, docs/VALIDATION.md) run several experiment files of
``configs/experiments/validation/`` each, into ``results/validation/``; their ``--quick`` runs
the same files with a few repetitions (the first repetitions of the full sweep: run ids and
seeds do not depend on the count) into ``results/validation/quick/``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import commsim  # a lazy front door: --help stays quick, the heavy imports wait for a run

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from commsim.experiment.sweep import SweepProgress

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "configs" / "experiments"
PUBLISHED = ROOT / "experiments" / "validation" / "published"


def arguments(
    name: str,
    doc: str | None,
    quick: int | None = None,
    argv: Sequence[str] | None = None,
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """``--out`` (default ``results/<name>``) and ``--workers`` (default: one per core).

    With ``quick`` (a validation script's small repetition count), also ``--quick``; then
    ``args.repetitions`` is that count under ``--quick`` and None (the files' own) without.
    ``extra`` adds a script's own options.
    """
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output directory; sweeps already there are resumed (default: results/{name}"
        + (", with --quick results/validation/quick" if quick else "")
        + ")",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    if quick:
        parser.add_argument(
            "--quick",
            action="store_true",
            help=f"{quick} repetitions per point instead of the full count: seconds to a minute",
        )
    if extra is not None:
        extra(parser)
    args = parser.parse_args(argv)
    args.repetitions = quick if getattr(args, "quick", False) else None
    if args.out is None:
        args.out = (
            ROOT / "results" / ("validation/quick" if args.repetitions else name.removesuffix("/"))
        )
    return args


def run_sweep(
    name: str,
    out: Path,
    workers: int | None,
    repetitions: int | None = None,
    changes: dict[str, Any] | None = None,
) -> Path:
    """Run ``configs/experiments/<name>.toml`` into ``out``, resuming a sweep already there.

    ``name`` may have a folder (``validation/march1991_turnover``); ``repetitions`` replaces
    the file's count (the runs kept are the file's first ones, so a quick sweep is a subset);
    ``changes`` replaces other top-level settings (a smaller design for a quick look).
    """
    from commsim.config import read_config_file
    from commsim.experiment.store import is_sweep_dir

    resume = is_sweep_dir(out)
    path = EXPERIMENTS / f"{name}.toml"
    experiment: Path | dict[str, Any] = path
    if repetitions is not None or changes:
        data = read_config_file(path)
        base = (path.parent / data["base"]).resolve()
        experiment = {**data, "base": str(base), **(changes or {})}
        if repetitions is not None:
            experiment["repetitions"] = repetitions
    name = Path(name).name

    def progress(state: SweepProgress) -> None:
        if sys.stderr.isatty() and (state.finished % 100 == 0 or state.finished == state.total):
            done, total = state.skipped + state.finished, state.skipped + state.total
            print(f"\r{name}: {done}/{total} runs", end="", file=sys.stderr, flush=True)

    try:
        report = commsim.sweep(experiment, out, workers=workers, resume=resume, progress=progress)
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
    """``mean ± half-width`` strings from ``summarise_sweep`` rows ("-" where no run has one).

    The half-width is the t interval's own: ``ci_low``/``ci_high`` are clipped to the metric's
    domain, so near a bound they are no longer symmetric about the mean.
    """
    from commsim.experiment.summary import t_half_width

    half = table.assign(half=t_half_width(table["sd"], table["n"]))["half"]
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


def read_published(name: str) -> pd.DataFrame:
    """A table of published values, ``published/<name>.csv``, read past its ``# SOURCE:``
    first line (the paper, figure and page it cites) where it has one."""
    import pandas as pd

    path = PUBLISHED / f"{name}.csv"
    with path.open(encoding="utf-8") as handle:
        cited = handle.readline().startswith("# SOURCE:")
    return pd.read_csv(path, skiprows=1 if cited else 0)


def errorbar(ax: Any, x: Any, rows: pd.DataFrame, **style: Any) -> None:
    """Means with their 95% interval (``summarise_sweep``'s mean, ci_low and ci_high)."""
    low, high = rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]
    ax.errorbar(x, rows["mean"], yerr=[low, high], capsize=3, **style)


def save(fig: Figure, out: Path, name: str) -> Path:
    """Write ``out/<name>.png`` (no timestamp in the file: same figure, same bytes)."""
    path = out / f"{name}.png"
    fig.savefig(path, dpi=130, metadata={"Software": None})
    print(f"wrote {path}")
    return path


def paired_effect(
    before: Any, after: Any, seed: int = 0, resamples: int = 2000
) -> dict[str, float]:
    """``after`` − ``before`` over paired runs (common random numbers: same seed, same row).

    Each argument is one number per repetition, or a (repetitions x cells) array: an arm made
    of several design points (a main effect, averaged over the other factors). The difference
    of means with its 95% t interval over the repetitions' paired differences, and the
    standardised effect, Cohen's d: that difference over the run-to-run sd within a design
    point (pooled over every cell of both arms), with a 95% percentile bootstrap interval over
    repetitions (seeded: same numbers, same interval).
    """
    import numpy as np
    from scipy import stats

    a, b = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    a, b = (x[:, None] if x.ndim == 1 else x for x in (a, b))
    diff = b.mean(axis=1) - a.mean(axis=1)
    n = diff.size
    half = stats.t.ppf(0.975, max(n - 1, 1)) * diff.std(ddof=1) / np.sqrt(n)

    def cohen(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        spread = np.concatenate([x.var(axis=-2, ddof=1), y.var(axis=-2, ddof=1)], axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (y.mean(axis=(-2, -1)) - x.mean(axis=(-2, -1))) / np.sqrt(spread.mean(-1))

    pick = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    boot = cohen(a[pick], b[pick])
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return {
        "n": n,
        "before": a.mean(),
        "after": b.mean(),
        "diff": diff.mean(),
        "diff_low": diff.mean() - half,
        "diff_high": diff.mean() + half,
        "d": float(cohen(a, b)),
        "d_low": low,
        "d_high": high,
    }


def verdict(effect: dict[str, float], expect: str) -> str:
    """Whether a paired difference (``paired_effect``) bears out the expected sign.

    ``expect`` "+" or "-": "holds" if the 95% CI lies wholly on that side of 0, "does not
    hold" if wholly on the other, else "undecided"; "not +" ("not -"): "holds" unless the CI
    lies wholly above (below) 0, a claim of no gain (no loss).
    """
    low, high = effect["diff_low"], effect["diff_high"]
    if expect == "not +":
        return "does not hold" if low > 0 else "holds"
    if expect == "not -":
        return "does not hold" if high < 0 else "holds"
    wins, loses = (low > 0, high < 0) if expect == "+" else (high < 0, low > 0)
    return "holds" if wins else "does not hold" if loses else "undecided"
