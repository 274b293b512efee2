"""Small organisations of one's own, made in memory, for the tests of org charts."""

from __future__ import annotations

import hashlib

import numpy as np

from commsim.model import Collaboration, CommunityModel, OrgChart

TITLES = {"Nurse": "practitioner", "Analyst": "researcher", "Coach": "capacity_builder"}


def _hash(*arrays: np.ndarray) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def uneven_chart(n: int = 80, seed: int = 0, traits: bool = True) -> OrgChart:
    """An uneven tree (spans 1-8, depths to 5), matrix teams that cross managers, job titles
    and blank roles, low front-line safety, harsh managers and long tenures."""
    rng = np.random.default_rng(seed)
    manager = np.full(n, -1, dtype=np.int64)
    for row in range(1, n):  # each reports to an earlier person, the first ones more often
        manager[row] = int(rng.integers(0, max(1, min(row, 2 + row // 4))))
    depth = np.zeros(n, dtype=np.int64)
    for row in range(1, n):
        depth[row] = depth[manager[row]] + 1
    order = np.argsort(depth, kind="stable")  # top-down, as a reader leaves it
    where = np.empty(n, dtype=np.int64)
    where[order] = np.arange(n)
    manager = np.where(manager[order] < 0, -1, where[manager[order]])
    managers = np.isin(np.arange(n), manager)
    titles = np.array(["Nurse", "Analyst", "Coach", "", "practitioner"], dtype=object)
    role = titles[rng.choice(5, size=n, p=[0.5, 0.15, 0.1, 0.15, 0.1])]
    extra = {}
    if traits:
        extra = {
            "safety": np.where(managers, np.nan, rng.uniform(0.1, 0.4, n)),
            "punitiveness": np.where(managers, rng.uniform(0.5, 0.9, n), np.nan),
            "learning_rate": np.where(rng.random(n) < 0.2, 1.5, np.nan),
            "tenure": np.where(rng.random(n) < 0.5, rng.integers(0, 40, n), -1),
        }
    ids = np.array([f"E{1000 + 7 * i}" for i in range(n)], dtype=object)
    team = np.array([f"team-{t}" for t in rng.integers(0, 9, n)], dtype=object)
    return OrgChart(
        source=f"uneven-{n}-{seed}.csv",
        sha256=_hash(manager, np.array([traits, seed])),
        ids=ids,
        manager=manager,
        team=team,
        role=role,
        lines=np.arange(2, n + 2),
        **extra,
    )


def clustered_collaboration(chart: OrgChart, seed: int = 0, weighted: bool = True) -> Collaboration:
    """Ties within teams mostly, a few across, with weights 1-20 (a chat log's counts)."""
    rng = np.random.default_rng(seed)
    n = chart.n
    a = rng.integers(0, n, size=3 * n)
    b = rng.integers(0, n, size=3 * n)
    for i in np.flatnonzero(rng.random(3 * n) < 0.8):  # most ties stay in the team
        b[i] = rng.choice(np.flatnonzero(chart.team == chart.team[a[i]]))
    keep = a != b
    pairs = np.unique(np.sort(np.stack([a[keep], b[keep]], axis=1), axis=1), axis=0)
    weight = rng.integers(1, 21, size=pairs.shape[0]).astype(float) if weighted else None
    return Collaboration(
        source="chat.csv", sha256=_hash(pairs, np.array([weighted])), edges=pairs, weight=weight
    )


def chart_of(model: CommunityModel) -> OrgChart:
    """The generated organisation of ``model`` as an org chart that gives nothing else."""
    n = model.state.n
    return OrgChart(
        source="generated.csv",
        sha256=_hash(model.state.manager),
        ids=np.array([f"m{i}" for i in range(n)], dtype=object),
        manager=model.state.manager.copy(),
    )
