"""A sweep's runs in a few numbers: each run reduced to one value per metric, then aggregated.

A sweep's tidy frame has one row per (run, recorded step). Analysis first reduces every run to
one number per metric (its *run statistic*), then aggregates those numbers across the
repetitions of each parameter combination. Three run statistics exist:

- ``final``: the value at the run's own last recorded step (or at ``step``, see below);
- ``total``: the sum over the run's recorded steps;
- ``mean``: per step. For an event counter, the run total over the steps run (its events
  per step); for a state, the mean over the run's recorded steps.

The default, ``auto``, takes the ``total`` of event counts (insights generated, suppressed,
codified … counted per step, where the last step's count says little) and the ``final`` value
of every other metric (states such as knowledge or safety). Which is which, and each metric's
unit and domain, the model's catalogue says (``commsim.experiment.units``; every function here
takes the catalogue, default the built-in model's). The statistic applied to each metric is
always named in the output's ``statistic`` column.

A total is the run's total however sparsely it was recorded: a sweep that keeps every N-th
step stores on each kept row the events since the previous one.

With ``step=S``, ``final`` is each run's value at step S, ``total`` and ``mean`` cover the
steps up to S; a run that stopped before S (its stop condition held) contributes its last
recorded state, which is where it rests.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from commsim.catalogue import Catalogue
from commsim.experiment.plan import ID_COLUMNS
from commsim.experiment.store import check_steps
from commsim.experiment.units import domain, is_counter, unit

Statistic = Literal["auto", "final", "total", "mean"]
STATISTICS = ("auto", "final", "total", "mean")
SUMMARY_COLUMNS = ("metric", "statistic", "unit", "n", "mean", "sd", "ci_low", "ci_high")


def check_names(names: Iterable[str], available: Sequence[str], kind: str) -> None:
    """Raise one clear line for the first name not in ``available``, with the nearest match."""
    for name in names:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"unknown {kind} '{name}'{hint}")


def metric_columns(frame: pd.DataFrame, parameters: Sequence[str]) -> list[str]:
    """The numeric columns that are neither run identifiers, parameters nor the step."""
    skip = {*ID_COLUMNS, "step", *parameters}
    return [
        c
        for c in frame.columns
        if c not in skip
        and (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]


def resolve_metrics(
    frame: pd.DataFrame, parameters: Sequence[str], metrics: Iterable[str] | None
) -> list[str]:
    """Check the frame, the parameters and the metrics; default to every metric column."""
    for column in ("run_id", "step"):
        if column not in frame.columns:
            raise ValueError(f"the sweep frame has no '{column}' column")
    check_names(parameters, list(frame.columns), "parameter")
    available = metric_columns(frame, parameters)
    if metrics is None:
        return available
    chosen = [metrics] if isinstance(metrics, str) else list(metrics)
    check_names(chosen, available, "metric")
    return chosen


def statistic_for(metric: str, statistic: Statistic, catalogue: Catalogue | None = None) -> str:
    """The run statistic actually applied to ``metric`` (resolves ``auto``)."""
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic '{statistic}'; use one of {', '.join(STATISTICS)}")
    if statistic != "auto":
        return statistic
    return "total" if is_counter(metric, catalogue) else "final"


def final_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Each run's last recorded row: runs may stop at different steps, so "last" is per run."""
    last = frame.sort_values(["run_id", "step"], kind="stable").drop_duplicates(
        "run_id", keep="last"
    )
    order = [c for c in ("point", "repetition", "run_id") if c in last.columns]
    return last.sort_values(order, kind="stable").reset_index(drop=True)


def _up_to(frame: pd.DataFrame, step: int | None) -> pd.DataFrame:
    """The rows at or before ``step``; the step must be one the sweep recorded."""
    if step is None:
        return frame
    check_steps([step], frame["step"], lambda: frame["step"])
    return frame[frame["step"] <= step]


def run_values(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    metrics: Iterable[str] | None = None,
    statistic: Statistic = "auto",
    step: int | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """One row per run: its identifiers, its parameters and each metric's run statistic."""
    metrics = resolve_metrics(frame, parameters, metrics)
    rows = _up_to(frame, step)
    by_stat: dict[str, list[str]] = {"final": [], "total": [], "mean": []}
    for metric in metrics:
        by_stat[statistic_for(metric, statistic, catalogue)].append(metric)
    last = final_rows(rows)
    keys = [c for c in ID_COLUMNS if c in rows.columns] + list(parameters)
    out = last[list(dict.fromkeys(keys + by_stat["final"]))].set_index("run_id")
    grouped = rows.groupby("run_id")
    if by_stat["total"]:
        out = out.join(grouped[by_stat["total"]].sum(min_count=1))
    counts = [m for m in by_stat["mean"] if is_counter(m, catalogue)]
    if counts:  # events per step: the total over the steps run (step 0 is the start)
        steps_run = grouped["step"].max().astype(float).where(lambda s: s > 0)
        out = out.join(grouped[counts].sum(min_count=1).div(steps_run, axis=0))
    states = [m for m in by_stat["mean"] if not is_counter(m, catalogue)]
    if states:
        out = out.join(grouped[states].mean())
    return out.reset_index()[list(dict.fromkeys(keys + metrics))]


def t_half_width(sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Half the 95% t interval of a mean of ``n`` values with sd ``sd`` (NaN below two)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, n - 1) * np.asarray(sd, dtype=float) / np.sqrt(n)
    return np.where(n >= 2, half, np.nan)


def _t_interval(agg: pd.DataFrame, catalogue: Catalogue | None) -> pd.DataFrame:
    """95% t interval of each mean, held inside its metric's domain."""
    half = t_half_width(agg["sd"].to_numpy(), agg["n"].to_numpy())
    bounds = np.array([domain(m, catalogue) for m in agg["metric"]], dtype=float).reshape(-1, 2)
    mean = agg["mean"].to_numpy(dtype=float)
    low = np.clip(mean - half, bounds[:, 0], bounds[:, 1])
    high = np.clip(mean + half, bounds[:, 0], bounds[:, 1])
    return agg.assign(ci_low=low, ci_high=high)


def summarise(
    frame: pd.DataFrame,
    parameters: Sequence[str],
    metrics: Iterable[str] | None = None,
    step: int | None = None,
    statistic: Statistic = "auto",
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Mean, sd and 95% CI across repetitions of each run statistic, per parameter combination.

    One row per (parameter combination, metric). ``unit`` says what the numbers are, in the
    metric's unit (insights, run total; insights per step; share, at the last step …). ``n``
    counts the runs with a defined value (a metric can be NaN, e.g. a voice rate with no
    opportunity to speak); the interval is clipped to the metric's domain
    (``commsim.experiment.units.domain``). ``catalogue``: the model's (default: built-in).
    """
    metrics = resolve_metrics(frame, parameters, metrics)
    values = run_values(frame, parameters, metrics, statistic, step, catalogue)
    long = values.melt(id_vars=list(parameters), value_vars=metrics, var_name="metric")
    long["metric"] = pd.Categorical(long["metric"], categories=metrics, ordered=True)
    keys = [*parameters, "metric"]
    agg = (
        long.groupby(keys, dropna=False, observed=True)["value"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )
    agg["metric"] = agg["metric"].astype(str)
    used = agg["metric"].map(lambda m: statistic_for(m, statistic, catalogue))
    agg.insert(len(parameters) + 1, "statistic", used)
    units = [unit(m, s, step, catalogue) for m, s in zip(agg["metric"], used, strict=True)]
    agg.insert(len(parameters) + 2, "unit", units)
    return _t_interval(agg, catalogue)[[*parameters, *SUMMARY_COLUMNS]]
