"""Where each member is drawn: an org chart, top to bottom, computed once per run.

Positions never move during a run (a chart that re-lays itself out every step cannot be
read), so the layout depends only on the reporting lines at the start. It is a tidy tree
that works for any chart, the generated regular one or a real organisation's uneven one
(spans of 1 to dozens, leaves at any level): a manager's reports who manage no one are
stacked in one column under a slot of their own, slots run left to right in depth-first
order of the chart, and every manager sits centred over their reports. Stacking the
leaves (most of any organisation) keeps 500-1,000 members readable in one view: a slot per
person would give a 1,000-wide chart. On the generated tree this is exactly the picture
the app always drew (the test suite checks it position for position).
"""

from __future__ import annotations

import numpy as np

from commsim.model import NO_MANAGER

FRONT_LINE_GAP = 0.35  # vertical distance between teammates stacked in a column
LEVEL_GAP = 1.0  # vertical distance between the levels of managers


def reports_of(manager: np.ndarray) -> list[list[int]]:
    """Each row's direct reports in row order (the chart's order, kept left to right)."""
    reports: list[list[int]] = [[] for _ in range(manager.shape[0])]
    for row in np.flatnonzero(manager != NO_MANAGER).tolist():
        reports[int(manager[row])].append(row)
    return reports


def org_chart(level: np.ndarray, manager: np.ndarray) -> np.ndarray:
    """(N, 2) positions: managers centred over their reports, the top at the top.

    A manager is at ``LEVEL_GAP * (level - 1)``; their reports without reports of their own
    hang below them in one column, ``FRONT_LINE_GAP`` apart; a manager's x is the mean of
    their reports' distinct x (the column counted once).
    """
    tree = _TidyTree(level, manager)
    for top in np.flatnonzero(manager == NO_MANAGER).tolist():
        tree.place(top)
    return tree.pos


class _TidyTree:
    """The layout's state while it walks the chart: positions so far and the next slot."""

    def __init__(self, level: np.ndarray, manager: np.ndarray) -> None:
        self.level = level
        self.reports = reports_of(manager)
        self.pos = np.zeros((level.shape[0], 2))
        self.slots = 0  # the next free x slot, left to right
        self.xs: dict[int, list[float]] = {}  # each open manager's reports' distinct x
        self.columns: dict[int, list[int]] = {}  # each open manager's leaves: slot, how many

    def height(self, row: int) -> float:
        return LEVEL_GAP * (int(self.level[row]) - 1)

    def take_slot(self) -> int:
        self.slots += 1
        return self.slots - 1

    def place(self, top: int) -> None:
        """Place ``top``'s tree depth first (iteratively: a real chart may be deep)."""
        if not self.reports[top]:  # someone outside the tree: a slot of their own
            self.pos[top] = self.take_slot(), self.height(top)
            return
        stack = [(top, 0)]  # (manager, index of their next report)
        self.xs[top] = []
        while stack:
            boss, k = stack.pop()
            if k == len(self.reports[boss]):
                self.centre(boss, stack[-1][0] if stack else None)
                continue
            stack.append((boss, k + 1))
            row = self.reports[boss][k]
            if self.reports[row]:
                stack.append((row, 0))
                self.xs[row] = []
            else:
                self.hang(row, boss)

    def hang(self, row: int, boss: int) -> None:
        """A report who manages no one joins the manager's column (the first opens it)."""
        if boss not in self.columns:
            self.columns[boss] = [self.take_slot(), 0]
            self.xs[boss].append(float(self.columns[boss][0]))
        column = self.columns[boss]
        column[1] += 1
        self.pos[row] = column[0], self.height(boss) - FRONT_LINE_GAP * column[1]

    def centre(self, boss: int, above: int | None) -> None:
        """Every report placed: the manager goes over the mean of their distinct x."""
        xs = self.xs.pop(boss)
        self.pos[boss] = sum(xs) / len(xs), self.height(boss)
        if above is not None:
            self.xs[above].append(float(self.pos[boss, 0]))


def edge_kinds(edges: np.ndarray, manager: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ties split into reporting lines and informal ties (team ties are left undrawn)."""
    a, b = edges[:, 0], edges[:, 1]
    reporting = (manager[a] == b) | (manager[b] == a)
    team = (manager[a] == manager[b]) & (manager[a] != NO_MANAGER)
    return edges[reporting], edges[~reporting & ~team]
