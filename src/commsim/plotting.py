"""The one-page picture of a run: knowledge, insights, safety and integration over time.

Drawn on a bare ``matplotlib.figure.Figure`` with the Agg canvas, never through pyplot, so
it needs no display, keeps no global state and is safe to call from any thread. Which columns
go on which panel is this module's choice; what each line and axis is called (label, unit)
is the model's catalogue's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from commsim.model import CATALOGUE

if TYPE_CHECKING:
    from commsim.catalogue import Catalogue

INSIGHT_SERIES = (
    "insights_generated",
    "insights_voiced",
    "insights_suppressed",
    "insights_codified",
)
_SIZE_IN, _DPI = (12.0, 8.0), 100  # 1200 x 800 px


def smoothing_window(n_steps: int) -> int:
    """A rolling window that calms per-step noise without hiding a 50-step trend."""
    return int(max(1, min(10, n_steps // 25)))


def _interventions(interventions_df: pd.DataFrame | None) -> list[tuple[int, str]]:
    """(step, label) per step with interventions; several at one step share a line."""
    if interventions_df is None or interventions_df.empty:
        return []
    grouped: dict[int, list[str]] = {}
    for step, action in zip(interventions_df["step"], interventions_df["action"], strict=True):
        grouped.setdefault(int(step), []).append(str(action).replace("_", " "))
    return sorted((step, " + ".join(names)) for step, names in grouped.items())


def _mark(ax: Axes, marks: Iterable[tuple[int, str]]) -> None:
    lo, hi = ax.get_xlim()
    for step, label in marks:
        at_left_edge = step - lo < 0.03 * (hi - lo)  # a label left of the line would be cut
        ax.axvline(step, color="0.35", linestyle="--", linewidth=0.9, zorder=0)
        ax.annotate(
            label,
            xy=(step, 1.0),
            xycoords=ax.get_xaxis_transform(),
            xytext=(3 if at_left_edge else -2, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left" if at_left_edge else "right",
            fontsize=7,
            color="0.2",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        )


def _plot(ax: Axes, x: pd.Series, df: pd.DataFrame, column: str, **kwargs: object) -> None:
    if column in df:
        ax.plot(x, df[column], **kwargs)  # type: ignore[arg-type]


def _label(catalogue: Catalogue, column: str, unit: bool = False) -> str:
    """A column's label in the catalogue (its unit after it, with ``unit``), else its name."""
    metric = catalogue.metric(column)
    if metric is None:
        return column.replace("_", " ")
    return f"{metric.label_of(column)} [{metric.unit}]" if unit else metric.label_of(column)


def _unit(catalogue: Catalogue, column: str) -> str:
    metric = catalogue.metric(column)
    return metric.unit if metric is not None else ""


def summary_figure(
    model_df: pd.DataFrame,
    interventions_df: pd.DataFrame | None,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    catalogue: Catalogue | None = None,
) -> Path:
    """Save a 2x2 PNG summary of one run's step table, interventions marked on every panel;
    lines and axes named from ``catalogue`` (the model's; default: the built-in model's)."""
    catalogue = catalogue or CATALOGUE
    df = model_df.sort_values("step").reset_index(drop=True)
    x = df["step"]
    marks = _interventions(interventions_df)
    window = smoothing_window(len(df))

    fig = Figure(figsize=_SIZE_IN, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    (ax_k, ax_i), (ax_s, ax_c) = fig.subplots(2, 2, sharex=True)

    for column, width in (("code_knowledge", 2.0), ("mean_knowledge", 1.5)):
        _plot(ax_k, x, df, column, label=_label(catalogue, column), linewidth=width)
    ax_k.set_title("Knowledge")
    ax_k.set_ylabel(_unit(catalogue, "code_knowledge"))
    ax_k.set_ylim(-1.05, 1.05)

    for column in INSIGHT_SERIES:
        if column in df:
            smooth = df[column].rolling(window, min_periods=1).mean()
            ax_i.plot(x, smooth, label=_label(catalogue, column))
    smoothed = f", rolling mean over {window} steps" if window > 1 else ""
    ax_i.set_title(f"Insights per step{smoothed}")
    ax_i.set_ylabel(f"{_unit(catalogue, INSIGHT_SERIES[0])} per step")
    ax_i.set_ylim(bottom=0)

    levels = sorted(
        (int(c.removeprefix("safety_level_")), c)
        for c in df.columns
        if c.startswith("safety_level_") and c.removeprefix("safety_level_").isdigit()
    )
    colours = _level_colours(len(levels))
    for (level, column), colour in zip(levels, colours, strict=True):
        label = _label(catalogue, column)
        if level == 0:
            label += " (front line)"
        elif level == levels[-1][0]:
            label += " (top)"
        ax_s.plot(x, df[column], label=label, color=colour)
    mean = _label(catalogue, "mean_safety")
    _plot(ax_s, x, df, "mean_safety", label=mean, color="black", linewidth=2, ls=":")
    ax_s.set_title("Psychological safety by level")
    ax_s.set_ylabel(_unit(catalogue, "mean_safety"))
    ax_s.set_ylim(-0.02, 1.02)

    if "cross_role_share" in df:
        ax_c.plot(
            x,
            df["cross_role_share"].rolling(window, min_periods=1).mean(),
            label=_label(catalogue, "cross_role_share", unit=True),
        )
    _plot(ax_c, x, df, "advancement", label=_label(catalogue, "advancement", unit=True))
    ax_c.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax_c.set_title("Integration and advancement")
    ax_c.set_ylim(-1.05, 1.05)

    for ax in (ax_k, ax_i, ax_s, ax_c):
        if len(x):
            ax.set_xlim(float(x.iloc[0]), max(float(x.iloc[-1]), float(x.iloc[0]) + 1))
        _mark(ax, marks)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="lower right" if ax is not ax_i else "upper right")
    for ax in (ax_s, ax_c):
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    if title:
        fig.suptitle(title, fontsize=13)
    out = Path(path)
    # No "Software" stamp: the PNG then depends only on the data and matplotlib's drawing.
    fig.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
    return out


def _level_colours(k: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(v) for v in np.linspace(0.0, 0.9, k)] if k else []
