"""Where each member is drawn: an org chart, top to bottom, computed once per run.

Positions never move during a run (a chart that re-lays itself out every step cannot be
read), so the layout depends only on the reporting lines at the start. The front line is
stacked in a column under its manager, which keeps 500-1,000 members readable in one view.
"""

from __future__ import annotations

import numpy as np

from commsim.model import NO_MANAGER

FRONT_LINE_GAP = 0.35  # vertical distance between teammates in a front-line column
LEVEL_GAP = 1.0  # vertical distance between levels above the front line


def org_chart(level: np.ndarray, manager: np.ndarray) -> np.ndarray:
    """(N, 2) positions: managers centred over their reports, the top at the top."""
    n = level.shape[0]
    pos = np.zeros((n, 2))
    has_manager = manager != NO_MANAGER
    front = (level == 0) & has_manager
    # each front-line team is a column under its manager, columns in the managers' order
    bosses, column = np.unique(manager[front], return_inverse=True)
    order = np.argsort(column, kind="stable")
    starts = np.searchsorted(column[order], np.arange(bosses.shape[0]))
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0]) - starts[column[order]]  # place within the team
    rows = np.flatnonzero(front)
    pos[rows, 0] = column
    pos[rows, 1] = -FRONT_LINE_GAP * (1 + rank)
    # every level above sits over the mean x of its reports, one level higher each time
    for lvl in range(1, int(level.max(initial=0)) + 1):
        here = np.flatnonzero(level == lvl)
        below = np.flatnonzero((level == lvl - 1) & has_manager)
        sums = np.bincount(manager[below], weights=pos[below, 0], minlength=n)
        counts = np.bincount(manager[below], minlength=n)
        spread = np.linspace(0, max(bosses.shape[0] - 1, 0), here.shape[0])  # no reports
        pos[here, 0] = np.where(counts[here] > 0, sums[here] / np.maximum(counts[here], 1), spread)
        pos[here, 1] = LEVEL_GAP * (lvl - 1)
    return pos


def edge_kinds(edges: np.ndarray, manager: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ties split into reporting lines and informal ties (team ties are left undrawn)."""
    a, b = edges[:, 0], edges[:, 1]
    reporting = (manager[a] == b) | (manager[b] == a)
    team = (manager[a] == manager[b]) & (manager[a] != NO_MANAGER)
    return edges[reporting], edges[~reporting & ~team]
