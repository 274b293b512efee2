"""The organisation's structure: an org-chart tree, teams, and informal ties on top.

Built vectorised as arrays (levels, managers, CSR adjacency) so that a million members cost
seconds; a networkx graph is made only when Mesa or the app asks for one.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np

from commsim.model.state import NO_MANAGER


def level_sizes(n: int, span: int) -> list[int]:
    """Members per level, front line first: each level has ceil(previous / span) managers."""

    def total(front: int) -> list[int]:
        sizes = [front]
        while sizes[-1] > 1:
            sizes.append(-(-sizes[-1] // span))
        return sizes

    lo, hi = 1, n
    while lo < hi:  # the largest front line whose whole tree still fits in n
        mid = (lo + hi + 1) // 2
        if sum(total(mid)) <= n:
            lo = mid
        else:
            hi = mid - 1
    sizes = total(lo)
    if len(sizes) == 1 and n > 1:
        sizes = [1, 1]  # even a pair has a manager
    sizes[0] += n - sum(sizes)  # the rounding remainder joins the front line
    return sizes


def build_hierarchy(n: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels (0 = front line) and managers for an org chart with the given span of control.

    Rows are ordered top-down: row 0 is the top of the organisation.
    """
    sizes = level_sizes(n, span)[::-1]  # top first
    level = np.repeat(np.arange(len(sizes) - 1, -1, -1, dtype=np.int16), sizes)
    manager = np.full(n, NO_MANAGER, dtype=np.int64)
    start = 0
    for upper, lower in itertools.pairwise(sizes):
        lower_start = start + upper
        # spread reports evenly over the level above
        idx = np.arange(lower)
        manager[lower_start : lower_start + lower] = start + (idx * upper) // lower
        start = lower_start
    return level, manager


@dataclass
class Ties:
    """Undirected ties as CSR adjacency (``indptr``, ``indices``) plus the edge list."""

    indptr: np.ndarray
    indices: np.ndarray
    edges: np.ndarray  # (E, 2) int64, each tie once with edges[:, 0] < edges[:, 1]

    @functools.cached_property
    def degree(self) -> np.ndarray:
        """Ties per member (the ties never change, so this is computed once)."""
        return np.diff(self.indptr)

    def random_neighbour(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly chosen neighbour per row; -1 for an isolated member."""
        deg = self.degree[rows]
        pick = (rng.random(rows.shape[0]) * deg).astype(np.int64)
        out = np.full(rows.shape[0], -1, dtype=np.int64)
        has = deg > 0
        out[has] = self.indices[self.indptr[rows[has]] + pick[has]]
        return out

    def to_networkx(self, n: int) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(map(tuple, self.edges.tolist()))
        return graph


def team_edges(manager: np.ndarray) -> np.ndarray:
    """Ties between every pair of members who share a manager (a team)."""
    rows = np.flatnonzero(manager != NO_MANAGER)
    order = rows[np.argsort(manager[rows], kind="stable")]
    groups = manager[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, order.shape[0]])
    pairs = []
    for offset in range(1, int(sizes.max(initial=1))):
        # pair each member with the one `offset` places later in the same team
        ok = np.arange(order.shape[0]) + offset < np.repeat(starts + sizes, sizes)
        a = order[ok]
        b = order[np.flatnonzero(ok) + offset]
        pairs.append(np.stack([a, b], axis=1))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)


def build_ties(
    manager: np.ndarray, team_ties: bool, informal_ties: float, rng: np.random.Generator
) -> Ties:
    """Reporting lines, optional team ties, and random informal ties (a small world)."""
    n = manager.shape[0]
    rows = np.flatnonzero(manager != NO_MANAGER)
    parts = [np.stack([rows, manager[rows]], axis=1)]
    if team_ties:
        parts.append(team_edges(manager))
    n_informal = round(informal_ties * n / 2)
    if n_informal and n > 1:
        a = rng.integers(0, n, size=n_informal)
        b = (a + rng.integers(1, n, size=n_informal)) % n  # never a self-tie
        parts.append(np.stack([a, b], axis=1))
    edges = np.concatenate(parts).astype(np.int64)
    # each tie once, as (low, high), in lexicographic order: sorting the single int64 key
    # low * n + high orders the pairs exactly as sorting the rows would, far faster
    # (np.unique would do, but its hash table costs seconds on a million members' ties)
    low, high = edges.min(axis=1), edges.max(axis=1)
    key = np.sort(low * n + high)
    key = key[np.r_[True, key[1:] != key[:-1]]]  # duplicates merged
    edges = np.stack(np.divmod(key, n), axis=1)
    # CSR: both directions of every tie, by (row, neighbour), again through one key
    key = np.sort(np.concatenate([key, edges[:, 1] * n + edges[:, 0]]))
    rows, neighbours = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Ties(indptr=indptr, indices=neighbours, edges=edges)
