"""A sweep's pictures: each metric over time by parameter value, two-parameter heatmaps, and
the sensitivity indices of a sampled sweep.

Drawn on bare ``Figure`` objects with the Agg canvas (no pyplot, no global state), at a fixed
size, and saved without timestamps or version strings, so the same frame always gives the
same bytes. Labels use plain words (``socialisation rate``, not ``socialisation_rate``): these
pictures are shown in workshops. A metric is called by its label and unit in the model's
catalogue (``About.catalogue``). Every figure is titled with the experiment's name and says
below its panels which settings were held fixed and how many runs each line rests on.

Every number is labelled as what it is (see ``commsim.experiment.units``): over time, an event
counter is drawn as a rate per step (its recorded count over the steps the row covers, so a
sweep recorded every 10 steps is not ten times too high); a sweep that kept only each run's
end shows counters as run totals and states at the last step.

Over time, a run that stopped early (its stop condition held) keeps its final state for the
remaining steps and counts no more events, so the mean does not jump when early finishers
drop out. The band is the 95% t interval of the mean across the runs in a group (the
repetitions and, with several parameters, the other parameters' values), clipped to the
metric's domain; with fewer than ``MIN_RUNS`` runs in a group none is drawn.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from commsim.catalogue import Catalogue
from commsim.experiment.combine import SWEEP
from commsim.experiment.summary import (
    final_rows,
    resolve_metrics,
    run_values,
    statistic_for,
    summarise,
    t_half_width,
)
from commsim.experiment.units import (
    MIN_RUNS,
    axis_label,
    clip,
    headline,
    how,
    is_counter,
    per_step,
    statistic_label,
)
from commsim.experiment.units import label as metric_label

PANEL_IN = (5.0, 3.8)  # inches per panel
HEATMAP_IN = (6.5, 5.0)
INDICES_IN = (6.5, 4.5)
DPI = 100
MAX_LEVELS = 6  # more distinct values than this: a sampled parameter, shown in quantile bins
BINS = 4
_SAVE = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
_TITLE_PT, _NOTE_PT = 11, 8


@dataclass(frozen=True)
class About:
    """What every figure says about its sweep: the experiment's name, the settings held fixed,
    any notes (a model that could not be loaded), and the catalogue its metrics are read with
    (None: the built-in model's)."""

    name: str = "sweep"
    fixed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    catalogue: Catalogue | None = None


Drawn = tuple[Figure, str]  # a figure and the file stem it is saved under


def label(name: str) -> str:
    """A parameter's name as words."""
    return name.replace("_", " ")


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float | np.floating) else str(value)


def fixed_settings(
    base: Mapping[str, Any], defaults: Mapping[str, Any], varied: Iterable[str]
) -> tuple[str, ...]:
    """The base scenario's settings that differ from the defaults and were not varied."""
    skip = {"name", "seed", *varied}
    return tuple(
        f"{label(key)} {_fmt(value)}"
        for key, value in base.items()
        if key not in skip and defaults.get(key) != value
    )


def _wrap(text: str, width_in: float, points: float) -> str:
    """Text broken into lines that fit ``width_in`` inches at ``points`` (never cut off)."""
    chars = max(20, int(width_in * 72 / (points * 0.6)))
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False))


def _titled(fig: Figure, about: About, title: str, notes: Sequence[str]) -> None:
    """The experiment's name and ``title`` on top; the fixed settings and ``notes`` below."""
    width = fig.get_figwidth()
    fig.suptitle(_wrap(f"{about.name}: {title}", width, _TITLE_PT), fontsize=_TITLE_PT)
    fixed = ["fixed: " + ", ".join(about.fixed)] if about.fixed else []
    warned = [f"warning: {note}" for note in about.notes]
    lines = [_wrap(line, width, _NOTE_PT) for line in [*fixed, *notes, *warned]]
    fig.supxlabel("\n".join(lines), fontsize=_NOTE_PT, color="0.25")


def _runs_note(counts: Sequence[int], what: str) -> str:
    """How many runs each line or point rests on, and whether its interval means anything."""
    low, high = min(counts), max(counts)
    runs = f"{low}" if low == high else f"{low}–{high}"
    if high < MIN_RUNS:
        return (
            f"{what}: mean of {runs} run(s) each; no 95% interval drawn "
            f"(fewer than {MIN_RUNS} runs make it meaningless)"
        )
    note = f"{what}: mean and 95% t interval over {runs} runs each"
    if low < MIN_RUNS:
        note += f" (none drawn where fewer than {MIN_RUNS})"
    return note


def save_figures(figures: Iterable[Drawn], out_dir: str | Path) -> list[Path]:
    """Write each figure as PNG and SVG into ``out_dir``: the one place figures reach disk.

    No timestamp, version string or random ids: the same figure always gives the same bytes.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with mpl.rc_context({"svg.hashsalt": "commsim", "svg.fonttype": "path"}):
        for fig, stem in figures:
            FigureCanvasAgg(fig)
            for ext, metadata in _SAVE.items():
                path = out / f"{stem}.{ext}"
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


def _mean_band(
    wide: pd.DataFrame, metric: str, catalogue: Catalogue | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% t band across columns (runs), per row (step), inside the domain."""
    n = wide.notna().sum(axis=1).to_numpy(dtype=float)
    mean = wide.mean(axis=1).to_numpy()
    half = t_half_width(wide.std(axis=1).to_numpy(), n)
    half = np.where(n >= MIN_RUNS, half, np.nan)
    return mean, clip(metric, mean - half, catalogue), clip(metric, mean + half, catalogue)


def _steps_by_run(frame: pd.DataFrame, metric: str, catalogue: Catalogue | None) -> pd.DataFrame:
    """Steps × runs of the metric per step; after a run's last step it holds its state
    (counters: zero events)."""
    values = frame.assign(value=per_step(frame, metric, catalogue))
    wide = values.pivot(index="step", columns="run_id", values="value").astype(float)
    last = frame.groupby("run_id")["step"].max()[wide.columns].to_numpy()
    done = wide.index.to_numpy()[:, None] > last
    filler = 0.0 if is_counter(metric, catalogue) else wide.ffill()
    return wide.mask(done, filler)


def _colors(n: int) -> list[Any]:
    return [mpl.colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, max(n, 1))]


_DASHES = ("-", "--", ":", "-.") * 4


def _sweeps_apart(runs: pd.DataFrame, parameter: str) -> list[tuple[Any, pd.Series]]:
    """Runs by sweep (name, mask) when several sweeps are drawn and ``parameter`` is not the
    sweep itself (its own panel tells them by colour); else all runs as one."""
    if parameter == SWEEP or SWEEP not in runs.columns or runs[SWEEP].nunique() < 2:
        return [(None, pd.Series(True, index=runs.index))]
    names = [n for n in pd.unique(runs[SWEEP].astype(str))]
    return [(n, runs[SWEEP].astype(str) == n) for n in names[: len(_DASHES)]]


def _over_time_panel(
    ax: Axes,
    frame: pd.DataFrame,
    wide: pd.DataFrame,
    parameter: str,
    metric: str,
    catalogue: Catalogue | None,
) -> list[int]:
    """One line per parameter value (several sweeps: one per value and sweep, the sweep told
    by the line's dash); returns how many runs each line rests on."""
    runs = final_rows(frame).set_index("run_id")
    groups = levels(runs[parameter])
    order = [g for g in pd.unique(groups.sort_values()) if pd.notna(g)]
    sweeps = _sweeps_apart(runs, parameter)
    counts = []
    for color, group in zip(_colors(len(order)), order, strict=True):
        for dash, (sweep, among) in zip(_DASHES, sweeps, strict=False):
            members = groups.index[(groups == group) & among]
            if not len(members):
                continue
            counts.append(len(members))
            name = _fmt(group) if sweep is None else f"{_fmt(group)}, {sweep}"
            mean, low, high = _mean_band(wide[members], metric, catalogue)
            ax.plot(wide.index, mean, color=color, label=name, linewidth=1.6, linestyle=dash)
            ax.fill_between(wide.index, low, high, color=color, alpha=0.2, linewidth=0)
    ax.set_title(f"by {label(parameter)}", fontsize=10)
    ax.set_xlabel("step")
    ax.legend(title=label(parameter), fontsize=8, title_fontsize=8, frameon=False)
    return counts


def _final_panel(
    ax: Axes, frame: pd.DataFrame, metric: str, parameter: str, catalogue: Catalogue | None
) -> list[int]:
    """Each run's number (run total or last state) by parameter value; runs per point."""
    runs = run_values(frame, [parameter], [metric], catalogue=catalogue)
    groups = levels(runs[parameter])
    numeric = pd.api.types.is_numeric_dtype(runs[parameter])
    x = runs[parameter].groupby(groups, observed=True).median() if numeric else None
    table = runs[metric].groupby(groups, observed=True).agg(["mean", "std", "count"])
    half = t_half_width(table["std"].to_numpy(), table["count"].to_numpy())
    half = np.where(table["count"].to_numpy() >= MIN_RUNS, half, np.nan)
    mean = table["mean"].to_numpy(dtype=float)
    low, high = clip(metric, mean - half, catalogue), clip(metric, mean + half, catalogue)
    yerr = np.clip(np.nan_to_num(np.vstack([mean - low, high - mean])), 0.0, None)
    xs = x.to_numpy() if x is not None else np.arange(len(table))
    ax.errorbar(xs, mean, yerr=yerr, fmt="o-", capsize=3, color=_colors(1)[0])
    if x is None:
        ax.set_xticks(xs, [str(g) for g in table.index])
    ax.set_xlabel(label(parameter))
    ax.set_title(f"by {label(parameter)}", fontsize=10)
    return table["count"].astype(int).tolist()


def _grid(n_panels: int, size: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    cols = min(n_panels, 3)
    rows = -(-n_panels // cols)
    fig = Figure(figsize=(size[0] * cols, size[1] * rows), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def _recorded_every(frame: pd.DataFrame) -> int:
    """The commonest gap between a run's recorded steps (1 when every step was kept)."""
    gaps = frame.sort_values(["run_id", "step"]).groupby("run_id")["step"].diff().dropna()
    return int(gaps.mode().iloc[0]) if len(gaps) else 1


def _metric_figure(
    frame: pd.DataFrame, parameters: Sequence[str], metric: str, about: About
) -> Drawn:
    """Metric over time, one panel per parameter (or each run's number, if that is all)."""
    fig, axes = _grid(max(len(parameters), 1), PANEL_IN)
    catalogue = about.catalogue
    counter = is_counter(metric, catalogue)
    name = metric_label(metric, catalogue)
    if final_only(frame):
        used = statistic_for(metric, "auto", catalogue)
        panels = zip(axes, parameters, strict=False)
        counts = [c for ax, p in panels for c in _final_panel(ax, frame, metric, p, catalogue)]
        axes[0].set_ylabel(statistic_label(metric, used, catalogue=catalogue))
        words = how(metric, used, catalogue=catalogue)
        _titled(fig, about, f"{name} ({words}) by parameter", [_runs_note(counts, "points")])
        return fig, f"final_{metric}"
    wide = _steps_by_run(frame, metric, catalogue)
    panels = zip(axes, parameters, strict=False)
    counts = [
        c for ax, p in panels for c in _over_time_panel(ax, frame, wide, p, metric, catalogue)
    ]
    axes[0].set_ylabel(axis_label(metric, catalogue))
    notes = [_runs_note(counts, "lines")]
    every = _recorded_every(frame)
    if counter and every > 1:
        notes.append(
            f"recorded every {every} steps: each point is the events per step over the "
            f"{every} steps before it"
        )
    title = f"{name}{' per step' if counter else ''} over time"
    _titled(fig, about, title, notes)
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


def _heatmap(frame: pd.DataFrame, parameters: Sequence[str], metric: str, about: About) -> Drawn:
    """Mean run statistic over a two-parameter grid, each cell annotated."""
    rows_p, cols_p = parameters
    catalogue = about.catalogue
    table = summarise(frame, parameters, [metric], catalogue=catalogue)
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
        color = "white" if dark else "black"
        ax.text(j, i, _fmt(value), ha="center", va="center", fontsize=9, color=color)
    used = table["statistic"].iloc[0]
    fig.colorbar(image, ax=ax, label=statistic_label(metric, used, catalogue=catalogue))
    runs = table["n"].astype(int).tolist()
    spread = f"{min(runs)}" if min(runs) == max(runs) else f"{min(runs)}–{max(runs)}"
    words = how(metric, used, catalogue=catalogue)
    title = f"{metric_label(metric, catalogue)} ({words}), mean by cell"
    _titled(fig, about, title, [f"cells: mean of {spread} runs"])
    return fig, f"heatmap_{metric}"


def sweep_figure_set(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    metrics: Iterable[str] | None = None,
    design: Mapping[str, Any] | None = None,
    about: About | None = None,
) -> list[Drawn]:
    """The sweep's figures, drawn and not yet saved (see ``sweep_figures``)."""
    about = about or About()
    if metrics is None:
        resolve_metrics(frame, parameters, None)
        metrics = [m for m in headline(about.catalogue) if m in frame.columns]
    metrics = resolve_metrics(frame, parameters, metrics)
    drawn = [_metric_figure(frame, parameters, metric, about) for metric in metrics]
    if design is None:
        factorial = len(parameters) == 2 and is_grid(frame, parameters)
    else:
        factorial = len(parameters) == 2 and design.get("kind") == "factorial"
    if factorial:
        drawn += [_heatmap(frame, parameters, metric, about) for metric in metrics]
    return drawn


def sweep_figures(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    out_dir: str | Path,
    metrics: Iterable[str] | None = None,
    design: Mapping[str, Any] | None = None,
    about: About | None = None,
) -> list[Path]:
    """Write the sweep's figures as PNG and SVG into ``out_dir``; return their paths.

    Default metrics: the headline ones the frame has. Heatmaps are drawn when exactly two
    parameters were swept on a grid: the design says factorial, or, without a design, the
    runs cover every combination of a few values of each.
    """
    return save_figures(sweep_figure_set(frame, parameters, metrics, design, about), out_dir)


# --- sensitivity indices --------------------------------------------------------------------


def _sobol_axes(ax: Axes, table: pd.DataFrame) -> None:
    """S1 and ST side by side per parameter, with their 95% bootstrap intervals."""
    x = np.arange(len(table))
    for offset, index, color in ((-0.2, "S1", _colors(2)[0]), (0.2, "ST", _colors(2)[1])):
        ax.bar(x + offset, table[index], width=0.4, color=color, label=index)
        ax.errorbar(x + offset, table[index], yerr=table[f"{index}_conf"], fmt="none", ecolor="0.2")
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.set_xticks(x, [label(p) for p in table["parameter"]], rotation=20, ha="right")
    ax.set_ylabel("index (share of variance)")
    ax.legend(frameon=False, fontsize=8)


def _morris_axes(ax: Axes, table: pd.DataFrame) -> None:
    """mu* against sigma, one labelled point per parameter, mu*'s interval as a bar."""
    ax.errorbar(table["mu_star"], table["sigma"], xerr=table["mu_star_conf"], fmt="o", capsize=3)
    for _, row in table.iterrows():
        point = (row["mu_star"], row["sigma"])
        ax.annotate(label(row["parameter"]), point, xytext=(4, 4), textcoords="offset points")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (spread: interaction or nonlinearity)")


def indices_figure(table: pd.DataFrame, about: About, notes: Sequence[str] = ()) -> Drawn:
    """The sensitivity table as a picture: Sobol as bars, Morris as a mu*-sigma scatter."""
    metric, statistic = table["metric"].iloc[0], table["statistic"].iloc[0]
    sobol = "S1" in table.columns
    fig = Figure(figsize=INDICES_IN, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    (_sobol_axes if sobol else _morris_axes)(ax, table)
    kind = "Sobol indices" if sobol else "Morris screening"
    catalogue = about.catalogue
    what = statistic_label(metric, statistic, catalogue=catalogue)
    _titled(fig, about, f"{kind} of {what}", [*notes])
    return fig, f"{'sobol' if sobol else 'morris'}_{metric}"
