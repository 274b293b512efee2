"""The org chart's layout: the generated tree as it always was, a real uneven chart tidily."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.app.layout import org_chart
from commsim.model.organisation import build_hierarchy
from commsim.model.state import NO_MANAGER
from tests.orgs import uneven_chart


def columns_under_front_line_managers(level: np.ndarray, manager: np.ndarray) -> np.ndarray:
    """The app's layout before real charts (issue 18), kept as the reference for the
    generated tree: the front line in columns in their managers' order, every level above
    over the mean x of its reports."""
    n = level.shape[0]
    pos = np.zeros((n, 2))
    has_manager = manager != NO_MANAGER
    front = (level == 0) & has_manager
    bosses, column = np.unique(manager[front], return_inverse=True)
    order = np.argsort(column, kind="stable")
    starts = np.searchsorted(column[order], np.arange(bosses.shape[0]))
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0]) - starts[column[order]]
    rows = np.flatnonzero(front)
    pos[rows, 0] = column
    pos[rows, 1] = -0.35 * (1 + rank)
    for lvl in range(1, int(level.max(initial=0)) + 1):
        here = np.flatnonzero(level == lvl)
        below = np.flatnonzero((level == lvl - 1) & has_manager)
        sums = np.bincount(manager[below], weights=pos[below, 0], minlength=n)
        counts = np.bincount(manager[below], minlength=n)
        pos[here, 0] = sums[here] / np.maximum(counts[here], 1)
        pos[here, 1] = lvl - 1.0
    return pos


@pytest.mark.parametrize("span", [2, 3, 5, 8, 20])
@pytest.mark.parametrize("n", [2, 7, 30, 120, 500, 1000])
def test_the_generated_tree_is_drawn_exactly_as_before(n: int, span: int) -> None:
    level, manager = build_hierarchy(n, span)
    before = columns_under_front_line_managers(level, manager)
    assert np.array_equal(org_chart(level, manager), before)


def descendants(manager: np.ndarray) -> list[set[int]]:
    """Each row's whole subtree below it (rows are top-down: reports after managers)."""
    below: list[set[int]] = [set() for _ in range(manager.shape[0])]
    for row in range(manager.shape[0] - 1, 0, -1):
        below[manager[row]] |= below[row] | {row}
    return below


def ancestors(manager: np.ndarray, row: int) -> set[int]:
    up: set[int] = set()
    while manager[row] != NO_MANAGER:
        row = int(manager[row])
        up.add(row)
    return up


@pytest.fixture(scope="module")
def chart_and_positions():
    chart = uneven_chart(300)
    return chart, org_chart(chart.level, chart.manager)


def test_every_member_of_an_uneven_chart_is_placed_once_and_alone(chart_and_positions):
    chart, pos = chart_and_positions
    assert pos.shape == (300, 2) and np.isfinite(pos).all()
    assert len({tuple(p) for p in np.round(pos, 6).tolist()}) == 300  # nobody on anybody
    leaf = np.bincount(chart.manager[1:], minlength=300) == 0
    assert leaf.sum() > 200 and len(np.unique(chart.level[leaf])) >= 4  # leaves at any level
    # a column of leaves is one manager's: slots are never shared between managers
    slot_owner = {}
    for row in np.flatnonzero(leaf):
        assert slot_owner.setdefault(pos[row, 0], chart.manager[row]) == chart.manager[row]
    assert pos[:, 0].max() < 80  # stacking keeps a 300-person chart about 60 slots wide


def test_each_manager_is_above_and_centred_over_their_reports(chart_and_positions):
    chart, pos = chart_and_positions
    manager = chart.manager
    rows = np.arange(1, chart.n)
    assert (pos[manager[rows], 1] > pos[rows, 1]).all()
    assert pos[0, 1] == pos[:, 1].max()  # the top at the top
    for boss in np.unique(manager[rows]):
        mine = np.unique(pos[manager == boss, 0])  # a column of leaves counts once
        assert pos[boss, 0] == pytest.approx(mine.mean())
    managers = np.unique(manager[rows])
    assert np.array_equal(pos[managers, 1], chart.level[managers] - 1.0)  # y by level


def test_a_manager_s_people_stay_together(chart_and_positions):
    """Every subtree has slots of its own: between its left and right only its own people
    are drawn, and those it reports up to."""
    chart, pos = chart_and_positions
    below = descendants(chart.manager)
    for boss in np.unique(chart.manager[1:]).tolist():
        mine = sorted(below[boss])
        low, high = pos[mine, 0].min(), pos[mine, 0].max()
        inside = set(np.flatnonzero((pos[:, 0] >= low) & (pos[:, 0] <= high)).tolist())
        assert inside - below[boss] <= ancestors(chart.manager, boss) | {boss}


def test_the_layout_is_deterministic() -> None:
    chart = uneven_chart(300, seed=3)
    first = org_chart(chart.level, chart.manager)
    assert np.array_equal(first, org_chart(chart.level.copy(), chart.manager.copy()))
