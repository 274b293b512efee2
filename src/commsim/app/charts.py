"""ECharts options for the page: built here as plain dicts, drawn by ``live_chart.vue``.

A chart gets a ``base`` option once (axes, legend, the data so far) and then only what is
new: ``tail``, the points since the base, and ``patch``, a partial option merged in (the
network's colours, intervention markers). The base is rebuilt only every ``REBASE`` steps
so the tail stays short: a step costs a few points on the wire, not the whole history.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.app.groups import TeamGroups
from commsim.app.session import STEERED, Flash, LiveRun, Mark
from commsim.app.theme import (
    NORMAL,
    ROLE_COLOURS,
    SCALE,
    SUPPRESSED,
    VOICED,
    Look,
    level_colours,
    look,
    series_colour,
)
from commsim.catalogue import Catalogue
from commsim.config import Config
from commsim.model import CATALOGUE, METRICS, ROLE_NAMES

REBASE = 50
Rows = Sequence[dict[str, Any]]


@dataclass(frozen=True)
class Plot:
    """One live time-series chart: which metrics it draws and what to call them."""

    key: str
    title: str
    series: tuple[tuple[str, str], ...]  # (metric, label)
    y_range: tuple[float, float] | None = None
    levels: int = 0  # the model's levels: each level's series has its own colour


# which metrics each live chart draws: the page's choice; what they are called: the catalogue's
CHARTS: tuple[tuple[str, str, tuple[str, ...], tuple[float, float] | None], ...] = (
    ("knowledge", "Knowledge", ("code_knowledge", "mean_knowledge"), (-1.0, 1.0)),
    (
        "insights",
        "Insights per step",
        ("insights_voiced", "insights_suppressed", "insights_punished"),
        None,
    ),
    ("safety", "Psychological safety by level", (), (0.0, 1.0)),  # one series per level
    ("flow", "Knowledge flows per step", ("cross_role_flows", "flows"), None),
)


def _series(catalogue: Catalogue, column: str) -> tuple[str, str]:
    metric = catalogue.metric(column)
    return column, metric.label_of(column) if metric is not None else column.replace("_", " ")


def plots(
    n_levels: int, catalogue: Catalogue | None = None, config: Config | None = None
) -> tuple[Plot, ...]:
    """The four live charts of the page, their series named by the model's catalogue
    (``model.catalogue``; default: the built-in model's), and a fifth with the metrics an
    extension or a subclass added, and those of the mechanisms ``config`` switches on, when
    there are any."""
    catalogue = catalogue or CATALOGUE
    levels = tuple(_series(catalogue, f"safety_level_{lvl}") for lvl in range(n_levels))
    if levels:
        column, top = levels[-1]
        levels = (*levels[:-1], (column, f"{top} (top)"))
    charts = []
    for key, title, columns, y_range in CHARTS:
        series = levels if key == "safety" else tuple(_series(catalogue, c) for c in columns)
        charts.append(Plot(key, title, series, y_range, n_levels))
    mechanisms = set(CATALOGUE.metrics) - set(METRICS)  # on only where a config says so
    added = [
        m
        for m in catalogue.metrics
        if m.members is None
        and (
            m not in CATALOGUE.metrics
            or (config is not None and m in mechanisms and m.enabled(config))
        )
    ]
    if added:
        series = tuple(_series(catalogue, m.name) for m in added)
        charts.append(Plot("extensions", "Mechanisms and extensions switched on", series))
    return tuple(charts)


def as_json(option: Any) -> str:
    """Compact JSON for the browser; NaN is refused (``_number`` turns it into a gap first)."""
    return json.dumps(option, separators=(",", ":"), allow_nan=False)


def _number(value: Any) -> float | None:
    """A JSON-safe value: NaN and missing become gaps."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _points(rows: Rows, metric: str) -> list[list[float | None]]:
    return [[row["step"], _number(row.get(metric))] for row in rows]


def rebase_point(length: int) -> int:
    """How many rows the base holds when ``length`` rows exist: a multiple of REBASE."""
    return max(length - 1, 0) // REBASE * REBASE


def series_base(
    plot: Plot, runs: Sequence[tuple[str, Rows]], upto: int, projector: bool = False
) -> dict[str, Any]:
    """The chart's full option with the first ``upto`` rows of every run, its type and lines
    sized for the mode."""
    size = look(projector)
    series = []
    for variant, rows in runs:
        twin = variant != STEERED
        for i, (metric, label) in enumerate(plot.series):
            series.append(
                {
                    "type": "line",
                    "name": f"{label} (without)" if twin else label,
                    "data": _points(rows[:upto], metric),
                    "showSymbol": False,
                    "connectNulls": False,
                    "color": series_colour(metric, i, plot.levels),
                    "lineStyle": {"width": size.line, "type": "dashed" if twin else "solid"},
                }
            )
    y_axis: dict[str, Any] = {"type": "value", "scale": plot.y_range is None}
    if plot.y_range is not None:
        y_axis |= {"min": plot.y_range[0], "max": plot.y_range[1]}
    axis_type = {"axisLabel": {"fontSize": size.legend}, "nameTextStyle": {"fontSize": size.legend}}
    title = {"text": plot.title, "textStyle": {"fontSize": size.title}}
    top, left, right, bottom = size.plot_grid
    legend_top = size.title + 9
    if len(runs) > 1:
        title |= {"subtext": "solid: with interventions, dashed: without"}
        title |= _sub(size)
        # the subtitle's line is the legend's too (it ran over the subtitle in a compare
        # view at 1600 px): the legend goes on a line of its own below it
        legend_top, top = legend_top + size.legend + 8, top + size.legend + 8
    legend = [label for _, label in plot.series]  # one entry per metric, not per variant
    return {
        "animation": False,
        "title": title,
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": size.legend}},
        "legend": {
            "top": legend_top,
            "type": "plain" if projector else "scroll",  # plain: wraps, never hides one
            "data": legend,
            "textStyle": {"fontSize": size.legend},
            "itemWidth": 2 * size.legend,
            "itemHeight": size.legend,
        },
        "grid": {"top": top, "left": left, "right": right, "bottom": bottom},
        "xAxis": {
            "type": "value",
            "name": "step",
            "nameGap": 4,
            "min": 0,
            "minInterval": 1,
            **axis_type,
        },
        "yAxis": y_axis | axis_type,
        "series": series,
    }


def series_tail(plot: Plot, runs: Sequence[tuple[str, Rows]], since: int) -> list[list]:
    """Per series, the points from row ``since`` on, in the base's series order."""
    return [_points(rows[since:], metric) for _, rows in runs for metric, _ in plot.series]


MARK_LENGTH = 0.6  # of the plot's height: a marker's label runs along its line, cut (…) to fit


def marks_patch(marks: Sequence[Mark], size: Look = NORMAL) -> dict[str, Any]:
    """Vertical lines at the steps interventions first affected: one line per step, its
    interventions' labels stacked beside it (one text line each, in the legends' type),
    never drawn over each other; the page's applied list says each in full."""
    at: dict[int, list[str]] = {}
    for mark in marks:
        at.setdefault(mark.step, []).append(mark.text)
    lines = [
        {"xAxis": step, "label": {"formatter": "\n".join(texts), "fontSize": size.legend}}
        for step, texts in sorted(at.items())
    ]
    mark_line = {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"color": "#555", "type": "dotted"},
        "label": {
            "position": "insideEndTop",
            "lineHeight": size.legend + 2,
            "width": round(MARK_LENGTH * size.plot_height),
            "overflow": "truncate",
        },
        "data": lines,
    }
    return {"series": [{"markLine": mark_line}]}


# --- the network ------------------------------------------------------------------------


def _segments(positions: np.ndarray, edges: np.ndarray) -> list[list[list[float]]]:
    return positions[edges].tolist()


def _visual_map(attribute: str, n_levels: int, size: Look) -> dict[str, Any]:
    common = {"seriesIndex": 2, "dimension": 2, "orient": "horizontal", "left": "center"}
    common |= {"bottom": 0, "itemWidth": size.legend, "itemHeight": size.legend}
    common |= {"textStyle": {"fontSize": size.legend}}
    if attribute == "role":
        pieces = [
            {"value": i, "label": name.replace("_", " "), "color": ROLE_COLOURS[i]}
            for i, name in enumerate(ROLE_NAMES)
        ]
        return common | {"type": "piecewise", "pieces": pieces}
    if attribute == "level":
        pieces = [
            {"value": lvl, "label": f"level {lvl}", "color": colour}
            for lvl, colour in enumerate(level_colours(n_levels))
        ]
        return common | {"type": "piecewise", "pieces": pieces}
    low = -1.0 if attribute == "knowledge" else 0.0
    return common | {
        "type": "continuous",
        "min": low,
        "max": 1.0,
        "text": [f"{attribute} 1", f"{low:g}"],
        "calculable": False,
        "itemHeight": 10 * size.legend,
        "inRange": {"color": list(SCALE)},
    }


def network_base(
    run: LiveRun, attribute: str, title: str, projector: bool = False
) -> dict[str, Any]:
    """The organisation drawn once: reporting lines, faint informal ties, the colour key.

    Series: 0 reporting lines, 1 informal ties, 2 members, 3 voiced insights this step,
    4 suppressed insights this step; drawn by team (``run.groups``), 5 insights voiced
    within a team this step. Members and events arrive by ``network_patch``.
    """
    size, groups = look(projector), run.groups[projector]
    pos, reporting, informal = run.positions, run.reporting, run.informal
    margin = (1.0, 0.3)  # slots, levels: room for the markers at the edges
    if groups is not None:
        pos, reporting, informal = groups.positions, groups.reporting, groups.informal
        margin = (1.5, 0.5)  # a team's marker is larger
    # the ties never change: on a canvas layer of their own (zlevel 0) they are drawn once,
    # and a step repaints only the members' layer above them
    lines = {"type": "lines", "coordinateSystem": "cartesian2d", "silent": True, "zlevel": 0}
    live = {"zlevel": 1}
    series = [
        lines
        | {
            "data": _segments(pos, reporting),
            "lineStyle": {"color": "#888", "width": 0.6, "opacity": 0.5},
        },
        lines
        | {
            "data": _segments(pos, informal),
            "lineStyle": {"color": "#888", "width": 0.4, "opacity": 0.08},
        },
        live | {"type": "scatter", "name": "members", "data": [], "z": 3},
        lines
        | live
        | {
            "name": "voiced",
            "data": [],
            "z": 4,
            "lineStyle": {"color": VOICED, "width": size.voiced, "opacity": 0.9},
        },
        live
        | {
            "type": "scatter",
            "name": "suppressed",
            "data": [],
            "z": 5,
            "symbol": "diamond",
            "symbolSize": size.suppressed,
            "silent": True,
            "itemStyle": {
                "color": "rgba(0,0,0,0)",
                "borderColor": SUPPRESSED,
                "borderWidth": size.outline,
            },
        },
    ]
    if groups is not None:
        series = _by_team(series, live, size)
    # where each member is drawn, once: a step's patch sends only their values and sizes
    placed = {} if groups is not None else {"positions": pos.tolist()}
    return placed | {
        "animation": False,
        "title": {"text": title, "textStyle": {"fontSize": size.title}},
        "grid": {"top": size.title + 15, "left": 8, "right": 8, "bottom": 3 * size.legend + 7},
        "xAxis": {"show": False, **_extent(pos[:, 0], margin[0])},
        "yAxis": {"show": False, **_extent(pos[:, 1], margin[1])},
        "tooltip": {"trigger": "item", "textStyle": {"fontSize": size.legend}},
        "visualMap": _visual_map(attribute, run.model.n_levels, size),
        "series": series,
    }


def _extent(values: np.ndarray, margin: float) -> dict[str, float]:
    return {"min": float(values.min()) - margin, "max": float(values.max()) + margin}


def _by_team(
    series: list[dict[str, Any]], live: dict[str, Any], size: Look
) -> list[dict[str, Any]]:
    """The base's series for a chart drawn by team: a team's tooltip is its name (label,
    size, value), reporting lines are bolder, and a ring marks voice within a team."""
    series[0]["lineStyle"] |= {"width": 1.2, "opacity": 0.7}
    series[2] |= {"tooltip": {"formatter": "{b}"}, "itemStyle": {"opacity": 0.85}}
    ring = {"color": "rgba(0,0,0,0)", "borderColor": VOICED, "borderWidth": size.outline + 0.5}
    within = {"type": "scatter", "name": "voiced within a team", "data": [], "z": 4}
    return [*series, live | within | {"silent": True, "itemStyle": ring}]


def network_patch(
    run: LiveRun, variant: str, model: Any, flash: Flash, attribute: str, projector: bool = False
) -> dict[str, Any]:
    """This step's colours, sizes (by level) and insight events, merged into the base."""
    size, groups = look(projector), run.groups[projector]
    if groups is not None:
        values = run.node_values(model, attribute)
        return team_patch(groups, values, flash, attribute, size) | {
            "title": {"subtext": f"{variant}: step {model.steps}, {groups.n} teams", **_sub(size)}
        }
    pos = run.positions
    holders, listeners = flash.voiced
    voiced = pos[np.stack([holders, listeners], axis=1)].tolist() if holders.size else []
    suppressed = pos[flash.suppressed].tolist()
    return {
        "title": {"subtext": f"{variant}: step {model.steps}", **_sub(size)},
        "members": member_columns(run.node_values(model, attribute), model.state.level, size),
        "series": [{}, {}, {}, {"data": voiced}, {"data": suppressed}],
    }


def member_columns(values: np.ndarray, level: np.ndarray, size: Look) -> dict[str, list]:
    """Each member's colour value and marker size, in the base's ``positions`` order:
    ``live_chart.vue`` joins them to the positions into the members' series. A step sends
    two short numbers a member (about 5 KB at 500 members), not a point each (about 22 KB):
    in a room of 30 laptops the server's time went into building and compressing those."""
    sizes = size.member + size.per_level * level
    return {"value": np.round(values, 3).tolist(), "size": sizes.tolist()}


def _sub(size: Look) -> dict[str, Any]:
    return {"subtextStyle": {"fontSize": size.legend}}


def team_sizes(size: np.ndarray, mode: Look = NORMAL) -> np.ndarray:
    """A team's marker size in pixels: its area grows with its head count (and is never
    smaller than a member's)."""
    return np.maximum(mode.member, 6 + 2.5 * np.sqrt(size))


def team_values(
    groups: TeamGroups, values: np.ndarray, attribute: str
) -> tuple[np.ndarray, list[str]]:
    """Each team's colour value and how its tooltip says it: the mean of a measure, the most
    common role or level."""
    if attribute == "role":
        codes = groups.most_common(values)
        return codes.astype(float), [f"mostly {ROLE_NAMES[c].replace('_', ' ')}" for c in codes]
    if attribute == "level":
        codes = groups.most_common(values)
        return codes.astype(float), [f"mostly level {c}" for c in codes]
    means = groups.mean(values)
    return np.round(means, 3), [f"mean {attribute} {m:.2f}" for m in means.tolist()]


def team_patch(
    groups: TeamGroups, values: np.ndarray, flash: Flash, attribute: str, mode: Look = NORMAL
) -> dict[str, Any]:
    """The teams' colours and this step's insight events, each member's mapped to their
    team: voice between teams is a line, voice within one a ring, suppression a diamond."""
    pos, sizes = groups.positions, team_sizes(groups.size, mode)
    shown, words = team_values(groups, values, attribute)
    teams = [
        {"name": f"{label}: {size} people, {said}", "value": [x, y, v], "symbolSize": float(s)}
        for label, size, said, (x, y), v, s in zip(
            groups.labels,
            groups.size.tolist(),
            words,
            pos.tolist(),
            shown.tolist(),
            sizes.tolist(),
            strict=True,
        )
    ]
    between, within = groups.pairs(*flash.voiced)
    quiet = np.unique(groups.member[flash.suppressed])
    return {
        "series": [
            {},
            {},
            {"data": teams},
            {"data": pos[between].tolist()},
            {"data": _marks(pos, sizes, quiet)},
            {"data": _marks(pos, sizes, within)},
        ]
    }


def _marks(pos: np.ndarray, sizes: np.ndarray, teams: np.ndarray) -> list[dict[str, Any]]:
    """Outlines drawn just around the given teams' markers."""
    return [{"value": pos[t].tolist(), "symbolSize": float(sizes[t] + 8)} for t in teams.tolist()]
