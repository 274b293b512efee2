"""Policies across scenarios: which lever does best, how much it can lose, how often it is enough.

An experiment with ``[policies]`` runs every policy (a list of interventions; ``[]`` is the base
alone) at every scenario: a design point and a repetition. Common random numbers give a
scenario's runs the same seed whatever the policy, so policies are compared on the same draws
(EMA Workbench's levers x uncertainties). Each run is reduced to one number (its run statistic,
``summary.run_values``), then per policy:

- ``mean`` with its 95% t interval over the scenarios;
- ``mean_regret`` and ``max_regret``: in each scenario, how far the policy falls short of the
  best policy in that scenario (0 for the best), averaged and at worst;
- ``best_share``: the share of scenarios in which it is the best (ties count for each);
- ``satisfied``: with a threshold, the share of scenarios in which the outcome is at or above
  (``above``) or at or below it.

Only scenarios every policy finished are compared (a failed run drops its scenario for all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from commsim.catalogue import Catalogue
from commsim.experiment.figures import DPI, About, Drawn, _titled
from commsim.experiment.summary import Statistic, run_values, statistic_for, t_half_width
from commsim.experiment.units import domain, statistic_label

Better = Literal["higher", "lower"]
POLICY_COLUMNS = (
    "policy",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "mean_regret",
    "max_regret",
    "best_share",
)


def scenario_outcomes(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    metric: str,
    *,
    statistic: Statistic = "auto",
    step: int | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """One row per scenario (point, repetition) every policy finished, one column per policy."""
    if "policy" not in frame.columns:
        raise ValueError("this sweep compares no policies: its experiment has no [policies]")
    values = run_values(frame, parameters, [metric], statistic, step, catalogue)
    table = values.pivot_table(
        index=["point", "repetition"], columns="policy", values=metric, aggfunc="first"
    )
    order = list(dict.fromkeys(frame["policy"]))  # the experiment's order (the run table's)
    return table[order].dropna().rename_axis(columns=None)


def regret(outcomes: pd.DataFrame, better: Better = "higher") -> pd.DataFrame:
    """How far each policy falls short of the best one in each scenario (>= 0)."""
    if better == "higher":
        return outcomes.rsub(outcomes.max(axis=1), axis=0)
    return outcomes.sub(outcomes.min(axis=1), axis=0)


def compare_policies(
    outcomes: pd.DataFrame,
    better: Better = "higher",
    threshold: float | None = None,
    above: bool = True,
    bounds: tuple[float, float] = (-np.inf, np.inf),
) -> pd.DataFrame:
    """The policy table (``POLICY_COLUMNS``, and ``satisfied`` with a threshold)."""
    if better not in ("higher", "lower"):
        raise ValueError(f"unknown direction '{better}'; use higher or lower")
    if outcomes.empty:
        raise ValueError("no scenario has a finished run of every policy")
    lost = regret(outcomes, better)
    n = len(outcomes)
    sd = outcomes.std(ddof=1).to_numpy()
    half = t_half_width(sd, np.full(len(sd), n))
    mean = outcomes.mean().to_numpy()
    table = pd.DataFrame(
        {
            "policy": list(outcomes.columns),
            "n": n,
            "mean": mean,
            "sd": sd,
            "ci_low": np.clip(mean - half, *bounds),
            "ci_high": np.clip(mean + half, *bounds),
            "mean_regret": lost.mean().to_numpy(),
            "max_regret": lost.max().to_numpy(),
            "best_share": (lost <= 1e-12).mean().to_numpy(),
        }
    )
    if threshold is not None:
        met = outcomes >= threshold if above else outcomes <= threshold
        table["satisfied"] = met.mean().to_numpy()
    return table


def policy_figure(
    outcomes: pd.DataFrame,
    metric: str,
    statistic: str,
    about: About,
    better: Better = "higher",
    threshold: float | None = None,
) -> Drawn:
    """Each policy's outcome over the scenarios, sorted (left), and its regret (right)."""
    fig = Figure(figsize=(11.0, 4.6), dpi=DPI, layout="constrained")
    left, right = fig.subplots(1, 2)
    share = (np.arange(len(outcomes)) + 0.5) / len(outcomes)
    for name in outcomes.columns:
        left.plot(share, np.sort(outcomes[name].to_numpy()), label=str(name), lw=1.6)
    what = statistic_label(metric, statistic, catalogue=about.catalogue)
    if threshold is not None:
        left.axhline(threshold, color="0.3", ls="--", lw=1, label=f"threshold {threshold:g}")
    left.set_xlabel("share of scenarios (sorted by outcome)")
    left.set_ylabel(what)
    left.legend(fontsize=8, frameon=False)
    lost = regret(outcomes, better)
    right.boxplot([lost[c].to_numpy() for c in lost.columns], orientation="horizontal")
    right.set_yticks(range(1, len(lost.columns) + 1), [str(c) for c in lost.columns])
    right.invert_yaxis()  # the legend's order, top to bottom
    right.set_xlabel(f"regret: shortfall from the best policy ({better} is better)")
    notes = [f"{len(outcomes)} scenarios (design point x repetition), the same seeds per policy"]
    _titled(fig, about, f"policies across scenarios, {what}", notes)
    return fig, f"policies_{metric}"


def policy_analysis(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    metric: str,
    *,
    statistic: Statistic = "auto",
    step: int | None = None,
    threshold: float | None = None,
    above: bool = True,
    better: Better | None = None,
    catalogue: Catalogue | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Better]:
    """The policy table, the scenario outcomes it rests on, and the direction used (by
    default the threshold's: above means higher is better, below lower; else higher)."""
    direction: Better = better or ("higher" if above or threshold is None else "lower")
    outcomes = scenario_outcomes(
        frame, parameters, metric, statistic=statistic, step=step, catalogue=catalogue
    )
    bounds = domain(metric, catalogue)
    table = compare_policies(outcomes, direction, threshold, above, bounds)
    used = statistic_for(metric, statistic, catalogue)
    table.insert(1, "metric", metric)
    table.insert(2, "statistic", used)
    return table, outcomes, direction
