"""What a sweep's numbers are: an event count or a state, the range it lives in, its unit.

An *event counter* (``EVENT_COUNTERS``: insights generated, suppressed, codified …) on a
recorded row counts the events since the previous recorded row, so with ``every = 10`` a row
holds ten steps' worth and with ``every = "end"`` the whole run's. Everything else is a
*state* read at the recorded step (knowledge, safety, shares, head counts). Figures and tables
say which one they show: a per-step rate (a counter divided by the steps its row covers), a
run total, or a state at a step.

Each metric has a domain (``domain``), the values it can take, so a confidence interval is
never drawn where no value can be (a code knowledge of 2.43, a negative count).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from commsim.experiment.plan import EVENT_COUNTERS

COUNTER_METRICS = frozenset(EVENT_COUNTERS)
# what `commsim results` and `commsim plot` show when the experiment did not name its metrics
HEADLINE_METRICS = (
    "code_knowledge",
    "mean_knowledge",
    "mean_safety",
    "insights_suppressed",
    "insights_codified",
)
MIN_RUNS = 3  # fewer runs than this: a 95% interval of their mean says nothing useful

_INF = math.inf
# (pattern, domain), first match wins; see model/metrics.py for each definition
_DOMAINS: tuple[tuple[str, tuple[float, float]], ...] = (
    (r"(code|mean|slow|fast)_knowledge|advancement", (-1.0, 1.0)),  # (right - wrong) / m
    (
        r"code_accuracy|knowledge_sd|belief_diversity|mean_safety"
        r"|integration|voice_rate_upward|cross_role_share|diffusion_reach|safety_\w+",
        (0.0, 1.0),
    ),
    (r"mean_learning_rate", (1.0, _INF)),  # a multiplier, raised by mentoring
    (r"diffusion_time|insights_in_flight|superior_group", (0.0, _INF)),
)


def _base(metric: str) -> str:
    """A metric stored as ``<name>_now`` (it shares a swept parameter's name) is ``name``."""
    return metric.removesuffix("_now")


def is_counter(metric: str) -> bool:
    """Whether ``metric`` counts events (per recorded interval) rather than reading a state."""
    return _base(metric) in COUNTER_METRICS


def domain(metric: str) -> tuple[float, float]:
    """The lowest and highest value ``metric`` can take (unbounded when unknown)."""
    name = _base(metric)
    if name in COUNTER_METRICS:
        return 0.0, _INF
    for pattern, bounds in _DOMAINS:
        if re.fullmatch(pattern, name):
            return bounds
    return -_INF, _INF


def clip(metric: str, values: np.ndarray | pd.Series) -> np.ndarray:
    """``values`` (an interval's ends) held inside the metric's domain; NaN stays NaN."""
    low, high = domain(metric)
    return np.clip(np.asarray(values, dtype=float), low, high)


def interval_steps(step: pd.Series, run_id: pd.Series) -> pd.Series:
    """How many steps each recorded row's counters cover: since the run's previous row.

    A run's first row covers the steps since step 0 (none for step 0 itself: NaN).
    """
    previous = step.groupby(run_id, sort=False).shift(1).fillna(0)
    steps = (step - previous).astype(float)
    return steps.where(steps > 0)


def per_step(frame: pd.DataFrame, metric: str) -> pd.Series:
    """A counter as events per step over each row's recorded interval (a state: as is)."""
    values = frame[metric].astype(float)
    if not is_counter(metric):
        return values
    order = frame.sort_values(["run_id", "step"], kind="stable")
    steps = interval_steps(order["step"], order["run_id"]).reindex(frame.index)
    return values / steps


def unit(metric: str, statistic: str, step: int | None = None) -> str:
    """What one run's number is, in words: per step, run total, or a state at a step."""
    to = f" to step {step}" if step is not None else ""
    if is_counter(metric):
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


def describe_steps(steps: np.ndarray | list[int]) -> str:
    """Recorded steps in a few words: all of them when few, else the first and last three."""
    values = sorted({int(s) for s in steps})
    if not values:
        return "no steps were recorded"
    if len(values) <= 8:
        return "recorded steps: " + ", ".join(map(str, values))
    head, tail = ", ".join(map(str, values[:3])), ", ".join(map(str, values[-3:]))
    return f"recorded steps: {head}, …, {tail} ({len(values)} steps)"
