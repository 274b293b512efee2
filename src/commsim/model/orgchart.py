"""A real organisation's structure, as data: an org chart and a collaboration network.

``commsim.orgfiles`` reads them from a client's files (CSV, GraphML) and checks them; a
scenario names the files (``org_chart``, ``collaboration``) and the model runs on them in
place of the generated tree and its random informal ties. Both are plain arrays, so they
travel with a run's config to any worker (no shared file system), and both are known by
the hash of the file they came from: two runs of one file are runs of one organisation.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commsim.model.state import NO_MANAGER, ROLE_NAMES, OrgState

#: the file columns that set a member's trait at the start, and the OrgState field each sets
TRAITS = ("safety", "punitiveness", "learning_rate")


@dataclass(frozen=True, eq=False, repr=False)
class FromFile:
    """What was read from a file, known by the file's contents: two reads of one file are
    one organisation (equal and hashed alike), wherever the file was."""

    source: str  # the file's name as the scenario gives it
    sha256: str  # of the file's bytes: what identifies it in a run's records

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.sha256 == self.sha256  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.sha256)


@dataclass(frozen=True, eq=False, repr=False)
class OrgChart(FromFile):
    """People in rows ordered top-down (row 0 the top; every manager above their reports).

    Optional columns are ``None`` when the file has no such column; a blank cell is ``""``
    for labels, -1 for tenure and NaN for traits (the model's own value is used there).
    """

    ids: np.ndarray  # (N,) str: each person's id in the file
    manager: np.ndarray  # (N,) int64 row of the manager, NO_MANAGER for the top
    team: np.ndarray | None = None  # (N,) str team label
    role: np.ndarray | None = None  # (N,) str role or job title, mapped by org_chart_roles
    unit: np.ndarray | None = None  # (N,) str unit (department, site)
    tenure: np.ndarray | None = None  # (N,) int64 steps in the organisation at the start
    safety: np.ndarray | None = None  # (N,) float64 initial psychological safety
    punitiveness: np.ndarray | None = None  # (N,) float64, for those who manage
    learning_rate: np.ndarray | None = None  # (N,) float64 >= 1
    lines: np.ndarray | None = None  # (N,) int64 each row's line in the file, for messages

    def __post_init__(self) -> None:
        rows = np.arange(self.n)
        has = self.manager != NO_MANAGER
        if self.n < 2 or has[0] or has[1:].sum() != self.n - 1:
            raise ValueError("an org chart has one top, in row 0, and at least two people")
        if np.any(self.manager[has] >= rows[has]):
            raise ValueError("an org chart's rows are top-down: each manager above the report")

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])

    @functools.cached_property
    def level(self) -> np.ndarray:
        """Levels from the reporting lines: each report one below the manager, the deepest
        level 0 (the front line), as in the generated tree (so the voice rule's authority
        gradient, one level a reporting line, keeps its meaning)."""
        depth = np.zeros(self.n, dtype=np.int64)
        for row in range(1, self.n):  # managers come first: their depth is known
            depth[row] = depth[self.manager[row]] + 1
        level = (depth.max() - depth).astype(np.int16)
        level.flags.writeable = False  # shared by every run of the chart: a run copies it
        return level

    @functools.cached_property
    def teams(self) -> np.ndarray:
        """Each person's team as an integer (the team ties' groups): the file's team labels,
        or, without them, the manager (a team is those who share one, as generated). Made
        once per chart (hashing the labels, not sorting them: 100,000 people in milliseconds)."""
        if self.team is None:
            codes = self.manager.copy()
        else:
            codes = np.where(self.team == "", NO_MANAGER, pd.factorize(self.team)[0])
        codes.flags.writeable = False
        return codes

    def __repr__(self) -> str:
        return f"OrgChart({self.source!r}, {self.n} people)"

    def describe(self) -> dict[str, object]:
        """What a run's records keep of the chart: never a person's id."""
        return {"file": self.source, "sha256": self.sha256, "people": self.n}

    def people(self, rows: np.ndarray, ids: bool = False) -> np.ndarray:
        """The people in ``rows`` as outputs name them: by default a stable pseudonym (an
        HMAC of the id keyed by the file's hash, so only those who hold the file can tell
        who it is), or with ``ids`` the file's own id."""
        if ids:
            return self.ids[rows].astype(object)
        key = self.sha256.encode()
        return np.array(
            [
                "p" + hmac.new(key, str(i).encode(), hashlib.sha256).hexdigest()[:12]
                for i in self.ids[rows]
            ],
            dtype=object,
        )

    def apply(self, state: OrgState, roles: Mapping[str, str], community: bool) -> None:
        """Set what the file gives over what the model drew (every draw is made first, so a
        chart that gives nothing leaves the run as the generated tree would have it)."""
        if community and self.role is not None:
            named = {name: code for code, name in enumerate(ROLE_NAMES)}
            codes = {label: named[roles.get(label, label)] for label in set(self.role) - {""}}
            given = self.role != ""
            state.role[given] = [codes[label] for label in self.role[given]]
        for trait in TRAITS:
            values = getattr(self, trait)
            if values is not None:
                given = ~np.isnan(values)
                getattr(state, trait)[given] = values[given]
        if self.tenure is not None:
            given = self.tenure >= 0
            state.joined[given] = -self.tenure[given]


@dataclass(frozen=True, eq=False, repr=False)
class Collaboration(FromFile):
    """Who works with whom: ties between rows of an org chart, optionally weighted."""

    edges: np.ndarray  # (E, 2) int64 rows of the org chart, no self-ties, each pair once
    weight: np.ndarray | None = None  # (E,) float64 > 0, or None: every tie alike

    def __repr__(self) -> str:
        return f"Collaboration({self.source!r}, {self.edges.shape[0]} ties)"

    def describe(self) -> dict[str, object]:
        return {"file": self.source, "sha256": self.sha256, "ties": int(self.edges.shape[0])}
