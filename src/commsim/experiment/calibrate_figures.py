"""Figures of a calibration: marginal posteriors against the prior, the pairs, and the
posterior predictive check. Bare ``Figure`` objects saved by ``figures.save_figures`` (PNG and
SVG, the same bytes every time), like every figure commsim draws."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from commsim.experiment.figures import save_figures

if TYPE_CHECKING:
    from commsim.experiment.calibrate import LoadedTarget
    from commsim.experiment.spec import Distribution


def _prior_pdf(d: Distribution, x: np.ndarray) -> np.ndarray:
    if d.distribution == "uniform":
        return stats.uniform(d.low, d.high - d.low).pdf(x)  # type: ignore[operator]
    if d.distribution == "loguniform":
        return stats.loguniform(d.low, d.high).pdf(x)
    return stats.norm(d.mean, d.sd).pdf(x)


def _range(d: Distribution, x: np.ndarray) -> tuple[float, float]:
    if d.distribution == "normal":
        return float(d.mean - 4 * d.sd), float(d.mean + 4 * d.sd)  # type: ignore[operator]
    return float(d.low), float(d.high)  # type: ignore[arg-type]


def marginals(target: LoadedTarget, particles: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Each parameter's weighted posterior histogram over its prior density, its 95% interval
    shaded, and the truth when the target gives one."""
    names = target.parameters
    fig = Figure(figsize=(3.2 * len(names), 3.0), layout="constrained")
    w = particles["weight"].to_numpy(float)
    for ax, name in zip(np.atleast_1d(fig.subplots(1, len(names))), names, strict=True):
        d = target.spec.prior[name]
        x = particles[name].to_numpy(float)
        low, high = _range(d, x)
        grid = np.linspace(low, high, 200)
        ax.hist(
            x,
            bins=20,
            range=(low, high),
            weights=w,
            density=True,
            color="C0",
            alpha=0.6,
            label="posterior",
        )
        ax.plot(grid, _prior_pdf(d, grid), color="0.3", ls="--", label="prior")
        row = summary.set_index("parameter").loc[name]
        ax.axvspan(row["q2.5"], row["q97.5"], color="C0", alpha=0.12, label="95% interval")
        if "truth" in row and pd.notna(row.get("truth")):
            ax.axvline(row["truth"], color="C3", label="truth")
        ax.set_xlabel(name)
        ax.set_yticks([])
    fig.axes[0].legend(fontsize=7)
    fig.suptitle(f"{target.spec.name}: posterior (bars) against prior (dashed)", fontsize=10)
    return fig


def pairs(target: LoadedTarget, particles: pd.DataFrame) -> Figure:
    """Every pair of parameters: the particles, sized by weight (what trades off with what)."""
    names = target.parameters
    k = len(names)
    fig = Figure(figsize=(2.6 * k, 2.6 * k), layout="constrained")
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    w = particles["weight"].to_numpy(float)
    size = 4 + 60 * w / w.max()
    for i, row in enumerate(names):
        for j, col in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(particles[col], bins=20, weights=w, color="C0", alpha=0.7)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(particles[col], particles[row], s=size, alpha=0.5, color="C0", lw=0)
                for name, axis in ((col, ax.axvline), (row, ax.axhline)):
                    if name in target.spec.truth:
                        axis(target.spec.truth[name], color="C3", lw=0.8)
            else:
                ax.set_axis_off()
            if i == k - 1:
                ax.set_xlabel(col)
            if j == 0 and i > 0:
                ax.set_ylabel(row)
    fig.suptitle(f"{target.spec.name}: posterior particles (size: weight)", fontsize=10)
    return fig


def predictive(target: LoadedTarget, draws: pd.DataFrame, check: pd.DataFrame) -> Figure:
    """Each observed quantity: the simulated values from posterior draws against the
    observation and its +-2 sd."""
    labels = list(check["observed"])
    fig = Figure(figsize=(max(4.0, 2.2 * len(labels)), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(labels)))
    for ax, row in zip(axes, check.itertuples(index=False), strict=True):
        label = row.observed
        ax.violinplot(draws[label].to_numpy(float), positions=[0], showmedians=True)
        ax.errorbar(
            [0.25],
            [row.value],
            yerr=[2 * row.sd],
            fmt="o",
            color="C3",
            capsize=4,
            label="observed ± 2 sd",
        )
        ax.set_xticks([])
        ax.set_title(label.replace("/", "/\n"), fontsize=8)
    axes[0].legend(fontsize=7)
    fig.suptitle(
        f"{target.spec.name}: posterior predictive check: simulated from {len(draws)} "
        "posterior draws (violins) against the observations",
        fontsize=10,
    )
    return fig


def draw(
    out: Path,
    target: LoadedTarget,
    particles: pd.DataFrame,
    summary: pd.DataFrame,
    draws: pd.DataFrame,
    check: pd.DataFrame,
) -> list[Path]:
    """The three figures, PNG and SVG, into ``out``."""
    return save_figures(
        [
            (marginals(target, particles, summary), "posterior_marginals"),
            (pairs(target, particles), "posterior_pairs"),
            (predictive(target, draws, check), "predictive_check"),
        ],
        out,
    )
