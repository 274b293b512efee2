"""The org chart, teams and informal ties: structure every other mechanism relies on."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.model.organisation import build_hierarchy, build_ties, level_sizes
from commsim.model.state import NO_MANAGER


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 3000), span=st.integers(2, 12))
def test_hierarchy_is_a_tree_with_front_line_at_level_zero(n: int, span: int) -> None:
    level, manager = build_hierarchy(n, span)
    assert level.shape == manager.shape == (n,)
    assert (manager == NO_MANAGER).sum() == 1  # exactly one top
    top = int(np.flatnonzero(manager == NO_MANAGER)[0])
    assert level[top] == level.max()
    assert level.min() == 0
    has = manager != NO_MANAGER
    assert (level[manager[has]] == level[has] + 1).all()  # managers sit one level up
    reports = np.bincount(manager[has], minlength=n)
    # spans are respected except for the front-line remainder that rounding creates
    assert reports[level > 1].max(initial=0) <= span
    assert sum(level_sizes(n, span)) == n


def test_front_line_is_most_of_the_organisation() -> None:
    level, _ = build_hierarchy(1000, 5)
    assert 0.75 < (level == 0).mean() < 0.85


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 800), ties=st.floats(0, 6), teams=st.booleans(), seed=st.integers(0, 99))
def test_ties_are_symmetric_without_self_loops(n: int, ties: float, teams: bool, seed: int) -> None:
    _, manager = build_hierarchy(n, 5)
    t = build_ties(manager, teams, ties, np.random.default_rng(seed))
    src = np.repeat(np.arange(n), t.degree)
    assert (src != t.indices).all()
    pairs = set(zip(src.tolist(), t.indices.tolist(), strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    has = np.flatnonzero(manager != NO_MANAGER)
    assert all((int(i), int(manager[i])) in pairs for i in has)  # reporting lines are ties


def test_random_neighbour_is_a_neighbour() -> None:
    _, manager = build_hierarchy(300, 4)
    rng = np.random.default_rng(3)
    t = build_ties(manager, True, 2.0, rng)
    rows = rng.integers(0, 300, size=2000)
    picks = t.random_neighbour(rows, rng)
    for r, p in zip(rows[:300], picks[:300], strict=True):
        assert p in t.indices[t.indptr[r] : t.indptr[r + 1]]
