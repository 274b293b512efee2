"""A sweep's pictures: each metric over time by parameter value, and two-parameter heatmaps.

Drawn on bare ``Figure`` objects with the Agg canvas (no pyplot, no global state), at a fixed
size, and saved without timestamps or version strings, so the same frame always gives the
same bytes. Labels use plain words (``socialization rate``, not ``socialization_rate``): these
pictures are shown in workshops.

Over time, a run that stopped early (its stop condition held) keeps its final state for the
remaining steps and counts no more events, so the mean does not jump when early finishers
drop out. The band is the 95% t interval of the mean across the runs in a group: the
repetitions and, with several parameters, the other parameters' values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

from commsim.experiment.summary import (
    COUNTER_METRICS,
    final_rows,
    resolve_metrics,
    statistic_for,
    summarize,
)

HEADLINE_METRICS = (
    "code_knowledge",
    "mean_knowledge",
    "mean_safety",
    "insights_suppressed",
    "insights_codified",
)
PANEL_IN = (5.0, 3.8)  # inches per panel
HEATMAP_IN = (6.5, 5.0)
DPI = 100
MAX_LEVELS = 6  # more distinct values than this: a sampled parameter, shown in quantile bins
BINS = 4
_SAVE = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def label(name: str) -> str:
    """A column name as words."""
    return name.replace("_", " ")


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float | np.floating) else str(value)


def _save(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    """PNG and SVG with no timestamp, version string or random ids: reproducible bytes."""
    FigureCanvasAgg(fig)
    paths = []
    with mpl.rc_context({"svg.hashsalt": "commsim", "svg.fonttype": "path"}):
        for ext, metadata in _SAVE.items():
            path = out_dir / f"{stem}.{ext}"
            fig.savefig(path, format=ext, dpi=DPI, metadata=metadata)
            paths.append(path)
    return paths


def levels(values: pd.Series) -> pd.Series:
    """Each run's group for a parameter: its value, or its quantile bin when sampled."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        return values
    binned = pd.qcut(values, BINS, duplicates="drop")
    names = {iv: f"{_fmt(iv.left)}–{_fmt(iv.right)}" for iv in binned.cat.categories}
    return binned.cat.rename_categories(names)


def _mean_ci(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% t interval across columns (runs), per row (step)."""
    n = wide.notna().sum(axis=1).to_numpy(dtype=float)
    mean = wide.mean(axis=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, n - 1) * wide.std(axis=1).to_numpy() / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


def _steps_by_run(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Steps × runs; after a run's last step it holds its state (counters: zero)."""
    wide = frame.pivot(index="step", columns="run_id", values=metric).astype(float)
    last = frame.groupby("run_id")["step"].max()[wide.columns].to_numpy()
    done = wide.index.to_numpy()[:, None] > last
    filler = 0.0 if metric in COUNTER_METRICS else wide.ffill()
    return wide.mask(done, filler)


def _colors(n: int) -> list[Any]:
    return [mpl.colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, max(n, 1))]


def _over_time_panel(ax: Axes, frame: pd.DataFrame, wide: pd.DataFrame, parameter: str) -> None:
    runs = final_rows(frame).set_index("run_id")
    groups = levels(runs[parameter])
    order = [g for g in pd.unique(groups.sort_values()) if pd.notna(g)]
    for color, group in zip(_colors(len(order)), order, strict=True):
        mean, low, high = _mean_ci(wide[groups.index[groups == group]])
        ax.plot(wide.index, mean, color=color, label=_fmt(group), linewidth=1.6)
        ax.fill_between(wide.index, low, high, color=color, alpha=0.2, linewidth=0)
    ax.set_title(f"by {label(parameter)}", fontsize=10)
    ax.set_xlabel("step")
    ax.legend(title=label(parameter), fontsize=8, title_fontsize=8, frameon=False)


def _final_panel(ax: Axes, frame: pd.DataFrame, metric: str, parameter: str) -> None:
    runs = final_rows(frame)
    groups = levels(runs[parameter])
    numeric = pd.api.types.is_numeric_dtype(runs[parameter])
    x = runs[parameter].groupby(groups, observed=True).median() if numeric else None
    by = runs[metric].groupby(groups, observed=True)
    table = by.agg(["mean", "std", "count"]).assign(
        half=lambda t: stats.t.ppf(0.975, t["count"] - 1) * t["std"] / np.sqrt(t["count"])
    )
    xs = x.to_numpy() if x is not None else np.arange(len(table))
    ax.errorbar(
        xs, table["mean"], yerr=table["half"].fillna(0), fmt="o-", capsize=3, color=_colors(1)[0]
    )
    if x is None:
        ax.set_xticks(xs, [str(g) for g in table.index])
    ax.set_xlabel(label(parameter))
    ax.set_title(f"by {label(parameter)}", fontsize=10)


def _grid(n_panels: int, size: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    cols = min(n_panels, 3)
    rows = -(-n_panels // cols)
    fig = Figure(figsize=(size[0] * cols, size[1] * rows), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def _metric_figure(
    frame: pd.DataFrame, parameters: Sequence[str], metric: str
) -> tuple[Figure, str]:
    """Metric over time, one panel per parameter (or at the last step, if that is all there is)."""
    fig, axes = _grid(max(len(parameters), 1), PANEL_IN)
    per_step = " per step" if metric in COUNTER_METRICS else ""
    axes[0].set_ylabel(label(metric) + per_step)
    if final_only(frame):
        for ax, parameter in zip(axes, parameters, strict=False):
            _final_panel(ax, frame, metric, parameter)
        fig.suptitle(f"{label(metric)}{per_step} at the last step (mean and 95% interval)")
        return fig, f"final_{metric}"
    wide = _steps_by_run(frame, metric)
    for ax, parameter in zip(axes, parameters, strict=False):
        _over_time_panel(ax, frame, wide, parameter)
    fig.suptitle(f"{label(metric)}{per_step} over time (mean and 95% band across runs)")
    return fig, f"over_time_{metric}"


def final_only(frame: pd.DataFrame) -> bool:
    """Whether the sweep recorded only each run's last step."""
    return bool(frame.groupby("run_id").size().max() == 1)


def is_grid(frame: pd.DataFrame, parameters: Sequence[str]) -> bool:
    """Whether the runs cover a full grid of their parameters' few distinct values."""
    runs = final_rows(frame)[list(parameters)]
    counts = runs.nunique()
    if (counts > MAX_LEVELS * 2).any():
        return False
    return len(runs.drop_duplicates()) == int(np.prod(counts.to_numpy()))


def _heatmap(frame: pd.DataFrame, parameters: Sequence[str], metric: str) -> Figure:
    """Mean run statistic over a two-parameter grid, each cell annotated."""
    rows_p, cols_p = parameters
    statistic = "final" if final_only(frame) else "auto"  # one row per run: no totals
    table = summarize(frame, parameters, [metric], statistic=statistic)
    grid = table.pivot(index=rows_p, columns=cols_p, values="mean")
    fig = Figure(figsize=HEATMAP_IN, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [_fmt(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [_fmt(v) for v in grid.index])
    ax.set_xlabel(label(cols_p))
    ax.set_ylabel(label(rows_p))
    norm = image.norm
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        dark = np.isfinite(value) and norm(value) < 0.6
        ax.text(
            j,
            i,
            _fmt(value),
            ha="center",
            va="center",
            fontsize=9,
            color="white" if dark else "black",
        )
    how = "run total" if statistic_for(metric, statistic) == "total" else "at the last step"
    fig.colorbar(image, ax=ax, label=f"{label(metric)} ({how})")
    ax.set_title(f"{label(metric)}: mean over repetitions ({how})")
    return fig


def sweep_figures(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    out_dir: str | Path,
    metrics: Iterable[str] | None = None,
    design: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write the sweep's figures as PNG and SVG into ``out_dir``; return their paths.

    Default metrics: the headline ones the frame has. Heatmaps are drawn when exactly two
    parameters were swept on a grid: the design says factorial, or, without a design, the
    runs cover every combination of a few values of each.
    """
    if metrics is None:
        resolve_metrics(frame, parameters, None)
        metrics = [m for m in HEADLINE_METRICS if m in frame.columns]
    metrics = resolve_metrics(frame, parameters, metrics)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for metric in metrics:
        fig, stem = _metric_figure(frame, parameters, metric)
        paths += _save(fig, out, stem)
    if design is None:
        factorial = len(parameters) == 2 and is_grid(frame, parameters)
    else:
        factorial = len(parameters) == 2 and design.get("kind") == "factorial"
    if factorial:
        for metric in metrics:
            paths += _save(_heatmap(frame, parameters, metric), out, f"heatmap_{metric}")
    return paths
