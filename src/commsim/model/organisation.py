"""The organisation's structure: an org-chart tree, teams, and informal ties on top.

Built vectorised as arrays (levels, managers, CSR adjacency) so that a million members cost
seconds; a networkx graph is made only when Mesa or the app asks for one.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from commsim.config import Config, grid_shape
from commsim.model.orgchart import Collaboration
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

    Rows are ordered top-down: row 0 is the top of the organisation. The arrays are the run's
    own (a lever changes levels in place), copied from the chart made once per shape: a
    sweep builds thousands of the same, and making it cost more than copying it.
    """
    level, manager = _chart(n, span)
    return level.copy(), manager.copy()


@functools.lru_cache(maxsize=8)
def _chart(n: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """``build_hierarchy``'s arrays, read-only: shared by every run of the shape."""
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
    level.flags.writeable = manager.flags.writeable = False
    return level, manager


@dataclass
class Ties:
    """Undirected ties as CSR adjacency (``indptr``, ``indices``) plus the edge list."""

    indptr: np.ndarray
    indices: np.ndarray
    edges: np.ndarray  # (E, 2) int64, each tie once with edges[:, 0] < edges[:, 1]
    #: each CSR entry's weight (a collaboration network's), or None: every tie alike
    weight: np.ndarray | None = None

    @functools.cached_property
    def degree(self) -> np.ndarray:
        """Ties per member (the ties never change, so this is computed once)."""
        return np.diff(self.indptr)

    @functools.cached_property
    def _cumulative(self) -> np.ndarray:
        assert self.weight is not None
        return np.cumsum(self.weight)

    def random_neighbour(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One neighbour per row, chosen uniformly or in proportion to the ties' weights
        (one uniform draw per row either way); -1 for an isolated member."""
        deg = self.degree[rows]
        u = rng.random(rows.shape[0])
        out = np.full(rows.shape[0], -1, dtype=np.int64)
        has = deg > 0
        start = self.indptr[rows[has]]
        if self.weight is None:
            out[has] = self.indices[start + (u[has] * deg[has]).astype(np.int64)]
            return out
        cumulative, end = self._cumulative, start + deg[has]
        before = np.where(start > 0, cumulative[start - 1], 0.0)
        target = before + u[has] * (cumulative[end - 1] - before)
        entry = np.clip(np.searchsorted(cumulative, target, side="right"), start, end - 1)
        out[has] = self.indices[entry]
        return out

    def to_networkx(self, n: int) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(map(tuple, self.edges.tolist()))
        return graph


def team_edges(team: np.ndarray) -> np.ndarray:
    """Ties between every pair of members of a team: those who share a manager (``team`` the
    managers) or a team of an org chart's file (``team`` its codes; NO_MANAGER for none)."""
    rows = np.flatnonzero(team != NO_MANAGER)
    order = rows[np.argsort(team[rows], kind="stable")]
    groups = team[order]
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
    manager: np.ndarray,
    team_ties: bool,
    informal_ties: float,
    rng: np.random.Generator,
    teams: np.ndarray | None = None,
    collaboration: Collaboration | None = None,
) -> Ties:
    """Reporting lines, optional team ties, and random informal ties (a small world), or
    in their place a collaboration network's ties (docs/MODEL.md 7.18).

    The informal ties are drawn at once, so a run's random stream is the same whether or not
    its rules ever ask for the ties, and whether or not a collaboration network replaces
    them; the adjacency is built on first use (``LazyTies``): in March's model, where
    nothing does, it was a third of building a small organisation. ``teams`` groups the
    team ties (default: those who share a manager).
    """
    n, manager = manager.shape[0], manager.copy()  # as it is now: a lever may change it
    teams = manager if teams is None else teams
    n_informal = informal_count(n, informal_ties)
    drawn: tuple[np.ndarray, ...] = ()
    if n_informal:
        a = rng.integers(0, n, size=n_informal)
        drawn = (a, rng.integers(1, n, size=n_informal))  # b = a + offset: never a self-tie

    def build() -> Ties:
        informal = np.empty((0, 2), dtype=np.int64)
        if drawn:
            informal = np.stack([drawn[0], (drawn[0] + drawn[1]) % n], axis=1)
        if collaboration is not None:
            informal = collaboration.edges
        rows = np.flatnonzero(manager != NO_MANAGER)
        parts = [np.stack([rows, manager[rows]], axis=1)]
        if team_ties:
            parts.append(team_edges(teams))
        formal = np.concatenate(parts)
        if collaboration is None or collaboration.weight is None:
            return ties_from_edges(np.concatenate([formal, informal]), n)
        # a reporting line or team tie the file does not weigh is as strong as its mean tie
        usual = np.full(formal.shape[0], collaboration.weight.mean())
        return weighted_ties(
            np.concatenate([informal, formal]), np.concatenate([collaboration.weight, usual]), n
        )

    return LazyTies(build)  # type: ignore[return-value]  # a Ties in all but name


def informal_count(n: int, informal_ties: float) -> int:
    """How many informal ties ``build_ties`` draws: ``informal_ties`` a member, each tie
    joining two (none in an organisation of one)."""
    return round(informal_ties * n / 2) if n > 1 else 0


class LazyTies:
    """A ``Ties`` made on first use of any of its attributes (the ties never change)."""

    def __init__(self, build: Callable[[], Ties]) -> None:
        self._build: Callable[[], Ties] | None = build
        self._ties: Ties | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._ties is None:
            assert self._build is not None
            self._ties, self._build = self._build(), None
        return getattr(self._ties, name)


def ties_from_edges(edges: np.ndarray, n: int) -> Ties:
    """``Ties`` from an (E, 2) edge list: self-ties dropped, each tie kept once."""
    edges = edges.astype(np.int64).reshape(-1, 2)
    edges = edges[edges[:, 0] != edges[:, 1]]
    # each tie once, as (low, high), in lexicographic order: sorting the single int64 key
    # low * n + high orders the pairs exactly as sorting the rows would, far faster
    # (np.unique would do, but its hash table costs seconds on a million members' ties)
    key = np.sort(edges.min(axis=1) * n + edges.max(axis=1))
    return _csr(key[np.r_[True, key[1:] != key[:-1]]], n)  # duplicates merged


def weighted_ties(edges: np.ndarray, weight: np.ndarray, n: int) -> Ties:
    """``Ties`` from an edge list with weights: self-ties dropped, a tie given twice kept
    with its first weight (the collaboration file's, which comes first)."""
    keep = edges[:, 0] != edges[:, 1]
    edges, weight = edges[keep].astype(np.int64), weight[keep]
    key = edges.min(axis=1) * n + edges.max(axis=1)
    order = np.argsort(key, kind="stable")  # the first of a tie given twice stays first
    key, weight = key[order], weight[order]
    first = np.r_[True, key[1:] != key[:-1]]
    return _csr(key[first], n, weight[first])


def _csr(key: np.ndarray, n: int, weight: np.ndarray | None = None) -> Ties:
    """``Ties`` from each tie's key ``low * n + high``, distinct and sorted (and its weight):
    the CSR holds both directions of every tie, by (row, neighbour), again through one key."""
    edges = np.stack(np.divmod(key, n), axis=1)
    both = np.concatenate([key, edges[:, 1] * n + edges[:, 0]])
    if weight is None:
        rows, neighbours = np.divmod(np.sort(both), n)
    else:
        order = np.argsort(both)  # the keys are distinct: any sort gives this order
        rows, neighbours = np.divmod(both[order], n)
        weight = np.concatenate([weight, weight])[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Ties(indptr=indptr, indices=neighbours, edges=edges, weight=weight)


# --- the networks of the validation studies (docs/MODEL.md 7.2) ---------------------------


def line_edges(n: int, closed: bool = False) -> np.ndarray:
    """Each member tied to the next: a line, or with ``closed`` a ring."""
    a = np.arange(n if closed else n - 1)
    return np.stack([a, (a + 1) % n], axis=1)


def complete_edges(n: int) -> np.ndarray:
    """Every pair of members (n * (n - 1) / 2 ties: for the small groups of the studies)."""
    return np.stack(np.triu_indices(n, k=1), axis=1)


def rewired_lattice_edges(
    n: int, degree: int, rewirings: int, rng: np.random.Generator
) -> np.ndarray:
    """Lazer & Friedman's Fig. 7 network (p. 681): a ring lattice, each member tied to
    degree / 2 on each side, then exactly ``rewirings`` of its ties moved, one at a time,
    each lattice tie at most once: one end (either, at random) keeps it and the other end
    becomes a random member not yet tied to it. A move that would split the network in two
    is undone and another tie tried ("a single component enforced")."""
    graph = nx.watts_strogatz_graph(n, degree, 0.0)
    lattice = list(graph.edges())
    moved = 0
    for index in rng.permutation(len(lattice)):
        if moved == rewirings:
            break
        u, v = lattice[index] if rng.random() < 0.5 else lattice[index][::-1]
        others = np.setdiff1d(np.arange(n), [u, *graph[u]])
        if others.size == 0:
            continue
        w = int(rng.choice(others))
        graph.remove_edge(u, v)
        graph.add_edge(u, w)
        if nx.is_connected(graph):
            moved += 1
        else:
            graph.remove_edge(u, w)
            graph.add_edge(u, v)
    if moved < rewirings:
        raise ValueError(f"only {moved} of {rewirings} ties could be rewired")
    return np.array(graph.edges(), dtype=np.int64)


def subgroup_of(n: int, groups: int) -> np.ndarray:
    """Each member's subgroup: consecutive blocks of n // groups (the first n % groups one
    larger)."""
    return np.repeat(
        np.arange(groups), np.diff(np.linspace(0, n, groups + 1).round().astype(np.int64))
    )


def subgroup_edges(n: int, groups: int, linking: float, rng: np.random.Generator) -> np.ndarray:
    """Fang, Lee & Schilling's semi-isolated subgroups (Watts's relaxed caveman graph).

    Every subgroup is a clique; then each tie, with probability ``linking``, has its second
    end moved to a member of another subgroup drawn at random. A moved tie that lands on
    one already there merges with it, so the share of cross-group ties is ``linking`` to
    within those few collisions.
    """
    group = subgroup_of(n, groups)
    pairs = complete_edges(n)
    edges = pairs[group[pairs[:, 0]] == group[pairs[:, 1]]]
    moved = np.flatnonzero(rng.random(edges.shape[0]) < linking)
    if moved.size:
        starts = np.searchsorted(group, np.arange(groups))
        sizes = np.diff(np.r_[starts, n])
        home = group[edges[moved, 0]]
        other = (home + 1 + (rng.random(moved.size) * (groups - 1)).astype(np.int64)) % groups
        edges[moved, 1] = starts[other] + (rng.random(moved.size) * sizes[other]).astype(np.int64)
    return edges


def grid_edges(n: int) -> np.ndarray:
    """Miller, Zhao & Calantone's grid without edges: members on a torus of ``grid_shape(n)``
    (row-major), each tied to its north, east, south and west neighbours."""
    rows, cols = grid_shape(n)
    cell = np.arange(n).reshape(rows, cols)
    east = np.stack([cell.ravel(), np.roll(cell, -1, axis=1).ravel()], axis=1)
    south = np.stack([cell.ravel(), np.roll(cell, -1, axis=0).ravel()], axis=1)
    return np.concatenate([east, south])


def build_network(config: Config, manager: np.ndarray, rng: np.random.Generator) -> Ties:
    """The ties members learn from: the org chart's (``build_ties``) or a study's network.

    networkx draws the small-world and random graphs, seeded from ``rng``, so a seed fixes
    them as it fixes everything else.
    """
    n, kind = manager.shape[0], config.network
    if kind == "hierarchy":
        chart = config.org_chart
        teams = None if chart is None else chart.teams
        return build_ties(
            manager, config.team_ties, config.informal_ties, rng, teams, config.collaboration
        )
    if kind in ("line", "ring"):
        edges = line_edges(n, closed=kind == "ring")
    elif kind == "complete":
        edges = complete_edges(n)
    elif kind == "grid":
        edges = grid_edges(n)
    elif kind == "subgroups":
        edges = subgroup_edges(n, config.subgroups, config.cross_group_linking, rng)
    elif kind == "rewired_lattice":
        edges = rewired_lattice_edges(n, config.network_degree, config.rewirings, rng)
    else:
        seed = int(rng.integers(2**32))
        if kind == "small_world":
            graph = nx.watts_strogatz_graph(n, config.network_degree, config.rewiring, seed=seed)
        else:
            graph = nx.fast_gnp_random_graph(n, config.network_degree / (n - 1), seed=seed)
        edges = np.array(graph.edges(), dtype=np.int64)
    return ties_from_edges(edges, n)
