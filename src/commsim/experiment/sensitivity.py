"""Which parameters move a metric: Sobol indices or Morris screening over a sampled sweep.

SALib's analysers read one output per row of the sample matrix, in sample order, so the output
of design point i is the mean over its repetitions of the run statistic (see
``commsim.experiment.summary``), ordered by ``point``. Every point must have a finished run:
a Sobol or Morris estimate from an incomplete sample would be silently wrong, so a gap is
refused rather than filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from commsim.catalogue import Catalogue
from commsim.experiment.summary import Statistic, run_values, statistic_for

# Indices live in [0, 1]: a 95% interval of more than ± a quarter of that range cannot rank them.
WIDEST_SOBOL = 0.25
# Morris: an interval of mu* wider than half the largest mu* cannot tell influential from not.
WIDEST_MORRIS = 0.5
SOBOL_COLUMNS = ("metric", "statistic", "parameter", "S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("metric", "statistic", "parameter", "mu", "mu_star", "mu_star_conf", "sigma")


def expected_points(design: Mapping[str, Any]) -> int:
    """How many rows the design's sample matrix has (SALib's layout for each method)."""
    if "points" in design:
        return int(design["points"])
    problem = design["problem"]
    k = len(problem["names"])
    if design["kind"] == "sobol":
        per_sample = 2 * k + 2 if design.get("second_order", True) else k + 2
        return int(design["samples"]) * per_sample
    groups = len(set(problem["groups"])) if problem.get("groups") else k
    trajectories = design.get("trajectories", design.get("samples"))
    return int(trajectories) * (groups + 1)


def _listing(points: np.ndarray) -> str:
    shown = ", ".join(str(p) for p in points[:5])
    return shown + (", …" if points.size > 5 else "")


def _point_values(values: pd.DataFrame, metric: str, n_points: int) -> pd.Series:
    """The mean run statistic per design point, refusing gaps SALib cannot bear."""
    present = values["point"].unique()
    outside = np.sort(present[(present < 0) | (present >= n_points)])
    if outside.size:
        raise ValueError(
            f"points {_listing(outside)} are outside the design's {n_points} points; "
            "the frame does not belong to this design"
        )
    y = values.groupby("point")[metric].mean().reindex(range(n_points))
    absent = np.setdiff1d(np.arange(n_points), present)
    if absent.size:
        raise ValueError(
            f"{absent.size} of {n_points} design points have no finished run (points "
            f"{_listing(absent)}); sensitivity indices need every point, so finish the sweep"
        )
    undefined = y.index[y.isna()].to_numpy()
    if undefined.size:
        raise ValueError(
            f"'{metric}' is undefined (NaN) at {undefined.size} of {n_points} design points "
            f"(points {_listing(undefined)}); choose another metric or statistic"
        )
    return y


def _parameter_matrix(frame: pd.DataFrame, names: list[str], n_points: int) -> np.ndarray:
    """The sample matrix rebuilt from the frame: one row per point, in point order."""
    rows = frame.drop_duplicates("point").set_index("point").sort_index()[names]
    try:
        return rows.reindex(range(n_points)).to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"Morris needs numeric parameters ({', '.join(names)})") from err


def _check_trajectories(x: np.ndarray, n_points: int, k: int, grouped: bool) -> None:
    """Each Morris step must change exactly one parameter, or its effect is lost unseen."""
    if grouped:
        return
    steps = np.diff(x.reshape(n_points // (k + 1), k + 1, k), axis=1)
    changed = (steps != 0).sum(axis=2)
    if (changed != 1).any():
        raise ValueError(
            "the frame's parameter values do not form Morris trajectories (each step must "
            "change exactly one parameter; were values rounded?); pass the sample matrix as "
            "design['matrix']"
        )


def _sobol(problem: dict[str, Any], y: np.ndarray, design: Mapping[str, Any], seed: int) -> dict:
    from SALib.analyze import sobol

    if np.ptp(y) == 0:
        raise ValueError(
            "the metric does not vary across the design points; Sobol indices are undefined"
        )
    # a Generator, because SALib treats seed=0 as "unseeded"
    return sobol.analyze(
        problem,
        y,
        calc_second_order=bool(design.get("second_order", True)),
        print_to_console=False,
        seed=np.random.default_rng(seed),
    )


def sensitivity(
    frame: pd.DataFrame,
    design: Mapping[str, Any],
    metric: str,
    statistic: Statistic = "auto",
    seed: int = 0,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu, mu*, sigma) indices of one metric, one row per parameter.

    ``statistic`` reduces each run as in ``summarise`` (``auto``: totals of counters, final
    values otherwise). Sobol's S2 matrix, when computed, is in ``result.attrs["S2"]``; when
    the sample is too small for the intervals to mean anything, ``result.attrs["warning"]``
    says so (see ``small_sample``). ``catalogue``: the model's (default: built-in), which says
    whether the metric is an event count.
    """
    kind = design.get("kind", "unknown")
    if kind not in ("sobol", "morris"):
        raise ValueError(f"sensitivity indices need a sobol or morris design; this sweep is {kind}")
    problem = design.get("problem")
    if not isinstance(problem, Mapping) or not isinstance(problem.get("names"), list):
        raise ValueError("the sweep's design has no SALib problem (names and bounds); rerun it")
    problem = dict(problem)
    names = list(problem["names"])
    n_points = expected_points(design)
    values = run_values(frame, names, [metric], statistic, catalogue=catalogue)
    y = _point_values(values, metric, n_points).to_numpy(dtype=float)
    used = statistic_for(metric, statistic, catalogue)
    if kind == "sobol":
        si = _sobol(problem, y, design, seed)
        table = pd.DataFrame({c: si[c] for c in SOBOL_COLUMNS[3:]})
        columns = SOBOL_COLUMNS
    else:
        from SALib.analyze import morris

        if "matrix" in design:
            x = np.asarray(design["matrix"], dtype=float)
        else:
            x = _parameter_matrix(frame, names, n_points)
            grouped = len(set(problem.get("groups") or names)) < len(names)
            _check_trajectories(x, n_points, len(names), grouped)
        levels = int(design.get("levels", 4))
        si = morris.analyze(problem, x, y, num_levels=levels, print_to_console=False, seed=seed)
        names = list(si["names"])
        table = pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in MORRIS_COLUMNS[3:]})
        columns = MORRIS_COLUMNS
    table.insert(0, "parameter", names)
    warning = small_sample(table, design)
    if warning:
        table.attrs["warning"] = warning
    table.insert(0, "statistic", used)
    table.insert(0, "metric", metric)
    if kind == "sobol" and "S2" in si:
        table.attrs["S2"] = pd.DataFrame(si["S2"], index=names, columns=names)
    return table[list(columns)]


def small_sample(table: pd.DataFrame, design: Mapping[str, Any]) -> str | None:
    """Why the indices cannot be trusted, or None: the sample is too small for them.

    Sobol: an interval wider than ±0.25 (a quarter of the indices' 0-1 range), or a first-order
    index below zero beyond its interval (impossible for the true index). Morris: an interval
    of mu* wider than half the largest mu*.
    """
    samples = design.get("samples", "?")
    if "S1" in table.columns:
        half = table[["S1_conf", "ST_conf"]].max(axis=1)
        worst = table.loc[half.idxmax()] if half.notna().any() else None
        negative = (table["S1"] + table["S1_conf"] < 0).any()
        if worst is None or (half.max() <= WIDEST_SOBOL and not negative):
            return None
        shown = f"S1 of {worst['parameter']} is {worst['S1']:.2f} ± {worst['S1_conf']:.2f}"
        return (
            f"the Sobol sample is too small for these indices to mean anything ({shown}; "
            f"intervals up to ±{half.max():.2f}) with {samples} base samples; raise "
            "design.samples"
        )
    top = table["mu_star"].max()
    widest = table["mu_star_conf"].max()
    if not widest > WIDEST_MORRIS * top:
        return None
    return (
        f"the Morris sample is too small to rank the parameters (mu* intervals up to "
        f"±{widest:.3g} against a largest mu* of {top:.3g}) with {samples} trajectories; "
        "raise design.samples"
    )
