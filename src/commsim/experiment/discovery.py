"""Scenario discovery: which box of the swept parameter space leads to failure.

Each finished run of a sweep is one case: its inputs are the parameters the sweep varied, its
outcome one number, the metric's run statistic at the chosen step (``commsim.experiment
.summary.run_values``: a state's value at that step, an event counter's run total up to it),
and a case *of interest* is a run whose outcome is below (or above) a threshold. PRIM
(Friedman and Fisher's patient rule induction, as Bryant and Lempert use it for scenario
discovery) peels the parameter space down to a box that holds many cases of interest
(*coverage*: the share of all cases of interest inside the box) and few others (*density*: the
share of the box's runs that are cases of interest); *mass* is the share of all runs inside
it. The peeling trajectory trades one against the other; the box chosen is the densest one
whose coverage is at least ``threshold_coverage`` (ties: fewer restricted parameters, then
more coverage). CART, the alternative, grows a classification tree and reads its leaves as
boxes; the box chosen is the leaf with most coverage among those where cases of interest are
the majority (else the densest leaf).

The algorithms are ema_workbench's (``ema_workbench.analysis.prim`` and ``.cart``), not our
own: it is the reference implementation of scenario discovery (Kwakkel's EMA workbench, TU
Delft), maintained (3.0, 2025, Python 3.12+, numpy 2 and pandas 3), and gives PRIM and CART
with the same box conventions. Project Platypus' ``prim`` (1.0.0) works too but is a one-off
fork of an older EMA PRIM with no CART and no release since. ema_workbench pulls in
scikit-learn (which CART needs anyway), statsmodels, seaborn and platypus-opt; it is imported
only when discovery runs.

Parameters: numbers are read as numbers; booleans as 0/1; text parameters (a factorial sweep
over named choices) as categories, which PRIM restricts to a subset of their values. CART
refuses them: ema_workbench's tree splits text parameters unreliably (its boxes then report
wrong coverage), so a clear line says to use PRIM. Parameters the runs did not vary are left
out; fewer than two varied parameters, or fewer than ``MIN_CASES`` runs, is refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from commsim.catalogue import Catalogue
from commsim.experiment.summary import Statistic, run_values, statistic_for

Method = Literal["prim", "cart"]
METHODS = ("prim", "cart")
MIN_CASES = 20  # fewer runs cannot support a box of 5% mass holding more than one run
FEW_FAILING = 10  # a box drawn around fewer failing runs is an anecdote
BOX_COLUMNS = ("parameter", "low", "high", "restricted")
TRAJECTORY_COLUMNS = ("box", "coverage", "density", "mass", "restricted", "runs", "chosen")


@dataclass(frozen=True)
class Outcome:
    """What counts as failure: a metric's run statistic at a step, below or above a value."""

    metric: str
    threshold: float
    below: bool = True
    statistic: str = "final"
    step: int | None = None

    def describe(self) -> str:
        """`code_knowledge (final, at the last step) below 0.6`: the outcome as words."""
        where = "at the last step" if self.step is None else f"at step {self.step}"
        if self.statistic != "final":
            where = "over the run" if self.step is None else f"up to step {self.step}"
        side = "below" if self.below else "above"
        return f"{self.metric} ({self.statistic}, {where}) {side} {self.threshold:g}"


@dataclass(frozen=True)
class Discovery:
    """A box found: its limits, its coverage, density and mass, and the trajectory (PRIM's
    peeling and pasting, or CART's leaves) it was chosen from; the cases it was found in."""

    method: str
    outcome: Outcome
    box: pd.DataFrame  # BOX_COLUMNS, one row per varied parameter
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame  # TRAJECTORY_COLUMNS
    x: pd.DataFrame = field(repr=False)  # the varied parameters, one row per run
    y: np.ndarray = field(repr=False)  # True: a case of interest
    threshold_coverage: float = 0.8

    @property
    def cases(self) -> int:
        """How many runs are cases of interest."""
        return int(self.y.sum())

    @property
    def warning(self) -> str | None:
        """Why the box should not be trusted, or None."""
        if self.cases >= FEW_FAILING:
            return None
        return (
            f"only {self.cases} of {len(self.y)} runs fail: a box around so few is an anecdote; "
            "sample more points or choose a threshold more runs cross"
        )

    @property
    def restricted(self) -> list[str]:
        """The parameters the box restricts, most restricted first."""
        rows = self.box[self.box["restricted"]]
        return list(rows.sort_values("kept", kind="stable")["parameter"])

    def stats(self) -> pd.DataFrame:
        """The box's numbers as a one-row table."""
        return pd.DataFrame(
            {
                "method": [self.method],
                "runs": [len(self.y)],
                "cases": [self.cases],
                "coverage": [self.coverage],
                "density": [self.density],
                "mass": [self.mass],
                "restricted": [len(self.restricted)],
            }
        )


def cases(
    frame: pd.DataFrame,
    parameters: list[str],
    outcome: Outcome,
    statistic: Statistic = "auto",
    catalogue: Catalogue | None = None,
) -> tuple[pd.DataFrame, np.ndarray, Outcome]:
    """The varied parameters per run (x), which runs are cases of interest (y), and the
    outcome with its statistic resolved; one clear line for anything discovery cannot use."""
    values = run_values(frame, parameters, [outcome.metric], statistic, outcome.step, catalogue)
    used = statistic_for(outcome.metric, statistic, catalogue)
    outcome = Outcome(outcome.metric, outcome.threshold, outcome.below, used, outcome.step)
    y_value = values[outcome.metric].astype(float)
    if y_value.isna().any():
        raise ValueError(
            f"'{outcome.metric}' is undefined (NaN) in {int(y_value.isna().sum())} of "
            f"{len(values)} runs; choose another metric or step"
        )
    if len(values) < MIN_CASES:
        raise ValueError(
            f"scenario discovery needs at least {MIN_CASES} finished runs; this sweep has "
            f"{len(values)} (raise the design's samples or repetitions)"
        )
    x = _inputs(values, parameters)
    y = (y_value < outcome.threshold if outcome.below else y_value > outcome.threshold).to_numpy()
    side = "below" if outcome.below else "above"
    if y.all() or not y.any():
        how_many = "all" if y.all() else "none of the"
        raise ValueError(
            f"nothing to discover: {how_many} {len(y)} runs are {side} {outcome.threshold:g} "
            f"({outcome.metric} ranges {y_value.min():.3g} to {y_value.max():.3g}); "
            "choose a threshold inside that range"
        )
    return x, y, outcome


def _inputs(values: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """The parameters the runs varied, as PRIM reads them (numbers, 0/1, categories)."""
    varied = [p for p in parameters if values[p].nunique(dropna=False) > 1]
    if len(varied) < 2:
        shown = ", ".join(varied) or "none"
        raise ValueError(
            f"scenario discovery needs at least 2 varied parameters; this sweep varies "
            f"{len(varied)} ({shown}): a box in one dimension is a threshold, read it off "
            "`commsim results` instead"
        )
    x = values[varied].reset_index(drop=True).copy()
    for name in varied:
        column = x[name]
        if pd.api.types.is_bool_dtype(column):
            x[name] = column.astype(int)
        elif not pd.api.types.is_numeric_dtype(column):
            x[name] = pd.Categorical(column.astype(str))
        elif pd.api.types.is_integer_dtype(column):
            x[name] = column.astype("int64")
        else:
            x[name] = column.astype(float)
    return x


def _ema() -> tuple[Any, Any]:
    """ema_workbench's prim and cart modules (imported late: it takes seconds, and warns
    about optional parallel back ends this use does not need)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim
    return prim, cart


@contextmanager
def _quiet_and_seeded() -> Iterator[None]:
    """ema_workbench's own deprecation warnings silenced (a user cannot act on them), and
    NumPy's global generator, which scikit-learn draws from when ema_workbench gives its tree
    no seed, seeded for the call and restored after: the same sweep gives the same box."""
    state = np.random.get_state()  # noqa: NPY002 (scikit-learn reads the legacy one)
    np.random.seed(0)  # noqa: NPY002
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _box_table(limits: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """A box's limits as rows: parameter, low, high, restricted, and the share of its range
    (or of its values) the box keeps, which orders the restricted ones."""
    rows = []
    for name in x.columns:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            allowed = sorted(str(v) for v in low)
            every = list(x[name].cat.categories)
            kept = len(allowed) / len(every)
            low = high = "{" + ", ".join(allowed) + "}"
        else:
            lo, hi = float(x[name].min()), float(x[name].max())
            low, high = float(low), float(high)
            kept = (high - low) / (hi - lo) if hi > lo else 1.0
        rows.append({"parameter": name, "low": low, "high": high, "kept": min(kept, 1.0)})
    table = pd.DataFrame(rows)
    table["restricted"] = table["kept"] < 1.0 - 1e-12
    return table[[*BOX_COLUMNS, "kept"]]


def _choose(trajectory: pd.DataFrame, threshold_coverage: float) -> int:
    """The densest box with coverage >= threshold (ties: fewer restricted, more coverage);
    with none that covers enough, the box with most coverage."""
    enough = trajectory[trajectory["coverage"] >= threshold_coverage - 1e-12]
    if enough.empty:
        enough = trajectory[trajectory["coverage"] == trajectory["coverage"].max()]
    order = enough.sort_values(
        ["density", "restricted", "coverage"], ascending=[False, True, False], kind="stable"
    )
    return int(order.index[0])


def _prim(x: pd.DataFrame, y: np.ndarray, threshold_coverage: float) -> tuple[Any, pd.DataFrame]:
    prim, _ = _ema()
    with _quiet_and_seeded():
        box = prim.Prim(x, y).find_box()
    peeled = box.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame(
        {
            "box": peeled["id"].astype(int),
            "coverage": peeled["coverage"].astype(float),
            "density": peeled["density"].astype(float),
            "mass": peeled["mass"].astype(float),
            "restricted": peeled["res_dim"].astype(int),
            "runs": peeled["n"].astype(int),
        }
    )
    chosen = _choose(trajectory, threshold_coverage)
    return box.box_lims[chosen], trajectory.assign(chosen=trajectory.index == chosen)


def _cart(x: pd.DataFrame, y: np.ndarray) -> tuple[Any, pd.DataFrame]:
    categorical = [c for c in x.columns if isinstance(x[c].dtype, pd.CategoricalDtype)]
    if categorical:
        raise ValueError(
            f"CART cannot split text parameters reliably ({', '.join(categorical)}); "
            "use --method prim, which restricts them to a subset of their values"
        )
    _, cart = _ema()
    tree = cart.CART(x, y, mass_min=0.05)
    with _quiet_and_seeded():  # scikit-learn breaks ties between splits at random
        tree.build_tree()
        stats = pd.DataFrame(tree.stats)
    trajectory = pd.DataFrame(
        {
            "box": np.arange(1, len(stats) + 1),
            "coverage": stats["coverage"].astype(float),
            "density": stats["density"].astype(float),
            "mass": stats["mass"].astype(float),
            "restricted": stats["res dim"].astype(int),
            "runs": np.rint(stats["mass"].astype(float) * len(y)).astype(int),
        }
    )
    majority = trajectory[trajectory["density"] > 0.5]
    if majority.empty:
        chosen = int(trajectory["density"].idxmax())
    else:
        chosen = int(majority.sort_values("coverage", ascending=False, kind="stable").index[0])
    return tree.boxes[chosen], trajectory.assign(chosen=trajectory.index == chosen)


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    outcome: Outcome,
    method: Method = "prim",
    threshold_coverage: float = 0.8,
) -> Discovery:
    """Find the box of ``x`` where ``y`` holds (PRIM's or CART's), with its trajectory."""
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}'; use one of {', '.join(METHODS)}")
    if not 0.0 < threshold_coverage <= 1.0:
        raise ValueError(f"threshold coverage must be in (0, 1] (got {threshold_coverage:g})")
    if method == "prim":
        limits, trajectory = _prim(x, y, threshold_coverage)
    else:
        limits, trajectory = _cart(x, y)
    chosen = trajectory[trajectory["chosen"]].iloc[0]
    return Discovery(
        method=method,
        outcome=outcome,
        box=_box_table(limits, x),
        coverage=float(chosen["coverage"]),
        density=float(chosen["density"]),
        mass=float(chosen["mass"]),
        trajectory=trajectory[list(TRAJECTORY_COLUMNS)],
        x=x,
        y=np.asarray(y, dtype=bool),
        threshold_coverage=threshold_coverage,
    )


# --- figures and tables ---------------------------------------------------------------------


def stem(found: Discovery) -> str:
    """The file stem of a discovery's outputs: method and metric (a rerun replaces them)."""
    side = "below" if found.outcome.below else "above"
    return f"discovery_{found.method}_{found.outcome.metric}_{side}"


def trajectory_figure(found: Discovery, about: Any) -> tuple[Any, str]:
    """Coverage against density for every box of the trajectory (PRIM) or leaf (CART),
    coloured by how many parameters it restricts, the chosen one ringed."""
    from matplotlib.figure import Figure

    from commsim.experiment.figures import DPI, _titled

    fig = Figure(figsize=(6.5, 5.0), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    t = found.trajectory
    dims = sorted(t["restricted"].unique())
    cmap = mpl_colormap(len(dims))
    for i, k in enumerate(dims):
        rows = t[t["restricted"] == k]
        style = {"marker": "o", "s": 22, "color": cmap[i], "label": f"{k} restricted"}
        ax.scatter(rows["coverage"], rows["density"], **style)
    if found.method == "prim":
        ax.plot(t["coverage"], t["density"], color="0.7", linewidth=0.8, zorder=0)
        ax.axvline(found.threshold_coverage, color="0.5", linestyle=":", linewidth=1)
    ax.scatter([found.coverage], [found.density], s=140, facecolors="none", edgecolors="k")
    ax.annotate(
        "chosen", (found.coverage, found.density), xytext=(8, -12), textcoords="offset points"
    )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("coverage (share of the failing runs inside the box)")
    ax.set_ylabel("density (share of the box's runs that fail)")
    ax.legend(frameon=False, fontsize=8, title="parameters", title_fontsize=8)
    what = "peeling trajectory" if found.method == "prim" else "CART leaves"
    note = f"failure: {found.outcome.describe()} ({found.cases} of {len(found.y)} runs)"
    _titled(fig, about, f"{what}, {found.outcome.metric}", [note])
    return fig, f"{stem(found)}_trajectory"


def mpl_colormap(n: int) -> list[Any]:
    """``n`` distinguishable colours."""
    import matplotlib as mpl

    return [mpl.colormaps["viridis"](v) for v in np.linspace(0.0, 0.85, max(n, 1))]


def _axis(found: Discovery, name: str) -> tuple[np.ndarray, tuple[float, float], list[str]]:
    """A parameter's positions, the box's span on it, and category names (if any)."""
    column = found.x[name]
    row = found.box.set_index("parameter").loc[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = list(column.cat.categories)
        codes = column.cat.codes.to_numpy(dtype=float)
        kept = [names.index(v) for v in str(row["low"]).strip("{}").split(", ")]
        return codes, (min(kept) - 0.4, max(kept) + 0.4), names
    return column.to_numpy(dtype=float), (float(row["low"]), float(row["high"])), []


def box_figure(found: Discovery, about: Any) -> tuple[Any, str]:
    """The runs on the box's two most restricted parameters, failing ones in red, and the
    box drawn over them (its other limits, if any, are in the table)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from commsim.experiment.figures import DPI, _titled, label

    ordered = [*found.restricted, *found.box.sort_values("kept", kind="stable")["parameter"]]
    first, second = list(dict.fromkeys(ordered))[:2]
    fig = Figure(figsize=(6.5, 5.2), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    (xs, xspan, xnames), (ys, yspan, ynames) = _axis(found, first), _axis(found, second)
    ok = ~found.y
    ax.scatter(xs[ok], ys[ok], s=12, color="0.65", label="other runs")
    ax.scatter(xs[~ok], ys[~ok], s=14, color="#c0392b", label="failing runs")
    width, height = xspan[1] - xspan[0], yspan[1] - yspan[0]
    box = Rectangle((xspan[0], yspan[0]), width, height, fill=False, linewidth=1.6)
    ax.add_patch(box)
    for names, set_ticks in ((xnames, ax.set_xticks), (ynames, ax.set_yticks)):
        if names:
            set_ticks(range(len(names)), names)
    ax.set_xlabel(label(first))
    ax.set_ylabel(label(second))
    ax.legend(frameon=False, fontsize=8, loc="best")
    others = [p for p in found.restricted if p not in (first, second)]
    notes = [
        f"box: coverage {found.coverage:.2f}, density {found.density:.2f}, mass "
        f"{found.mass:.2f}; failure: {found.outcome.describe()}"
    ]
    if others:
        notes.append("also restricted (not drawn): " + ", ".join(label(p) for p in others))
    _titled(fig, about, f"where {found.outcome.metric} fails ({found.method.upper()})", notes)
    return fig, f"{stem(found)}_box"


def write_tables(found: Discovery, folder: Any) -> list[Any]:
    """The trajectory and the box as CSV files in ``folder`` (a staging folder)."""
    from pathlib import Path

    paths = []
    base = Path(folder) / stem(found)
    for suffix, table in (("trajectory", found.trajectory), ("box", found.box)):
        path = base.with_name(f"{base.name}_{suffix}.csv")
        table.to_csv(path, index=False)
        paths.append(path)
    return paths
