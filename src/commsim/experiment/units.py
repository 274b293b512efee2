"""What a sweep's numbers are: an event count or a state, the range it lives in, its unit.

Every answer comes from the catalogue of the model that made the sweep (``Metric.kind``,
``low``/``high``, ``label``, ``unit``): ``sweep_catalogue`` finds it from the sweep's manifest,
so an extension's metric is read as its declaration says, with no change here. Each function
takes that catalogue (default: the built-in model's).

An *event count* (insights generated, suppressed, codified …) on a recorded row counts the
events since the previous recorded row, so with ``every = 10`` a row holds ten steps' worth and
with ``every = "end"`` the whole run's. Everything else is a *state* read at the recorded step
(knowledge, safety, shares, head counts). Figures and tables say which one they show: a
per-step rate (a count divided by the steps its row covers), a run total, or a state at a step.

Each metric has a domain (``domain``), the values it can take, so a confidence interval is
never drawn where no value can be (a code knowledge of 2.43, a negative count).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from commsim.catalogue import Catalogue, Metric
from commsim.config import config_schema_of
from commsim.model import CATALOGUE, import_model

MIN_RUNS = 3  # fewer runs than this: a 95% interval of their mean says nothing useful
_INF = math.inf
_NOW = "_now"  # a metric stored as <name>_now shares a swept parameter's name


def metric_of(column: str, catalogue: Catalogue | None = None) -> Metric | None:
    """The metric a column holds (a family's member, a ``<name>_now`` too); None if unknown."""
    catalogue = catalogue or CATALOGUE
    base = column.removesuffix(_NOW)
    if base != column:
        return catalogue.metric(base) or catalogue.metric(column)
    return catalogue.metric(column)


def is_counter(metric: str, catalogue: Catalogue | None = None) -> bool:
    """Whether ``metric`` counts events (per recorded interval) rather than reading a state."""
    found = metric_of(metric, catalogue)
    return found is not None and found.kind == "event count"


def domain(metric: str, catalogue: Catalogue | None = None) -> tuple[float, float]:
    """The lowest and highest value ``metric`` can take (unbounded when unknown)."""
    found = metric_of(metric, catalogue)
    return found.domain if found is not None else (-_INF, _INF)


def headline(catalogue: Catalogue | None = None) -> tuple[str, ...]:
    """What ``commsim results`` and ``commsim plot`` show when the experiment named no metrics:
    the metrics the catalogue marks ``headline``."""
    return (catalogue or CATALOGUE).headline


def label(metric: str, catalogue: Catalogue | None = None) -> str:
    """A column as words: its metric's label (a family's member filled in), else its name."""
    catalogue = catalogue or CATALOGUE
    base = metric.removesuffix(_NOW)
    if base != metric and (found := catalogue.metric(base)) is not None:
        return f"{found.label_of(base)} now"
    found = catalogue.metric(metric)
    return found.label_of(metric) if found is not None else metric.replace("_", " ")


def clip(
    metric: str, values: np.ndarray | pd.Series, catalogue: Catalogue | None = None
) -> np.ndarray:
    """``values`` (an interval's ends) held inside the metric's domain; NaN stays NaN."""
    low, high = domain(metric, catalogue)
    return np.clip(np.asarray(values, dtype=float), low, high)


def interval_steps(step: pd.Series, run_id: pd.Series) -> pd.Series:
    """How many steps each recorded row's counters cover: since the run's previous row.

    A run's first row covers the steps since step 0 (none for step 0 itself: NaN).
    """
    previous = step.groupby(run_id, sort=False).shift(1).fillna(0)
    steps = (step - previous).astype(float)
    return steps.where(steps > 0)


def per_step(frame: pd.DataFrame, metric: str, catalogue: Catalogue | None = None) -> pd.Series:
    """An event count as events per step over each row's recorded interval (a state: as is)."""
    values = frame[metric].astype(float)
    if not is_counter(metric, catalogue):
        return values
    order = frame.sort_values(["run_id", "step"], kind="stable")
    steps = interval_steps(order["step"], order["run_id"]).reindex(frame.index)
    return values / steps


def how(
    metric: str, statistic: str, step: int | None = None, catalogue: Catalogue | None = None
) -> str:
    """What one run's number is, in words: per step, run total, or a state at a step."""
    to = f" to step {step}" if step is not None else ""
    if is_counter(metric, catalogue):
        return {
            "total": f"run total{to}",
            "mean": f"per step{to}",
            "final": "in the last recorded interval"
            if step is None
            else f"in the interval to {step}",
        }[statistic]
    return {
        "final": "at the last step" if step is None else f"at step {step}",
        "mean": f"mean over recorded steps{to}",
        "total": f"sum over recorded steps{to}",
    }[statistic]


def unit(
    metric: str, statistic: str, step: int | None = None, catalogue: Catalogue | None = None
) -> str:
    """One run's number with its unit: 'insights, run total', 'insights per step', 'share, at
    the last step' (the words alone for a column no catalogue declares)."""
    words = how(metric, statistic, step, catalogue)
    found = metric_of(metric, catalogue)
    if found is None or not found.unit:
        return words
    if words.startswith("per step"):
        return f"{found.unit} {words}"
    return f"{found.unit}, {words}"


def axis_label(metric: str, catalogue: Catalogue | None = None) -> str:
    """An axis over time: the metric's label and unit, an event count per step
    ('insights voiced [insights per step]', 'code knowledge [(right - wrong) / m]')."""
    found = metric_of(metric, catalogue)
    if found is None or not found.unit:
        return label(metric, catalogue)
    rate = " per step" if found.kind == "event count" else ""
    return f"{label(metric, catalogue)} [{found.unit}{rate}]"


def statistic_label(
    metric: str, statistic: str, step: int | None = None, catalogue: Catalogue | None = None
) -> str:
    """An axis of one number per run: 'insights codified [insights, run total]'."""
    return f"{label(metric, catalogue)} [{unit(metric, statistic, step, catalogue)}]"


def sweep_catalogue(manifest: Mapping[str, Any]) -> tuple[Catalogue, str | None]:
    """The catalogue of the model a sweep's manifest names (with its extensions), and None;
    or, when that model or an extension cannot be loaded here, the built-in catalogue and a
    one-line note saying so (its other metrics are then read as plain states)."""
    basis = manifest.get("basis_fields")
    basis = basis if isinstance(basis, Mapping) else {}
    path, named = basis.get("model"), basis.get("extensions") or {}
    if path is None and not named:
        return CATALOGUE, None
    base = basis.get("base")
    base = dict(base) if isinstance(base, Mapping) else {}
    try:
        model = import_model(path, "the sweep's model")
        schema = config_schema_of(
            {"extensions": base.get("extensions", [])}, "the sweep's scenario", model.extensions
        )
        return model.catalogue_for(schema.model_construct(**base)), None
    except Exception as exc:  # a model that no longer imports: read the sweep all the same
        what = f"model {path}" if path else "extension(s) " + ", ".join(map(str, named))
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return CATALOGUE, (
            f"the sweep's {what} cannot be loaded ({reason}); its metrics are read as the "
            "built-in model's, any other as a state without unit or bounds"
        )


def describe_steps(steps: np.ndarray | list[int]) -> str:
    """Recorded steps in a few words: all of them when few, else the first and last three."""
    values = sorted({int(s) for s in steps})
    if not values:
        return "no steps were recorded"
    if len(values) <= 8:
        return "recorded steps: " + ", ".join(map(str, values))
    head, tail = ", ".join(map(str, values[:3])), ", ".join(map(str, values[-3:]))
    return f"recorded steps: {head}, …, {tail} ({len(values)} steps)"
