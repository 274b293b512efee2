"""A large organisation drawn team by team: one marker per team instead of one per person.

Above ``GROUP_ABOVE`` people a real org chart stops being readable member by member, so
each team becomes one marker at its members' mean position, sized by its head count and
coloured by its mean, with the reporting lines between teams. A team is the chart's
``team`` label, else those who share a manager; everyone, managers too, is in exactly one
team's marker. The generated tree is drawn by unit above a size of its own (``by_team``).
Like the layout, the teams are fixed at the start of a run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.model import NO_MANAGER, OrgChart

# People: up to this many, everyone is drawn. A real chart needs about one column for every
# five people (uneven_chart(300): 62), so 300 people are ~15 px apart in the network view
# (~950 px wide), clear of the managers' 9-14 px markers; at 600 the columns are 7 px apart
# and the managers' markers run together (half that again when comparing two runs).
GROUP_ABOVE = 300
# The generated tree has about one column per six people, each front-line member a 4 px dot
# in a ~950 px view: up to 600 people (100 columns, 9.5 px apart) the dots stay apart; at
# 1,000 the columns are 6 px apart and run into solid bars. In projector mode a dot is 10 px
# and the view ~700 px at 1280x720: above 300 people (50 columns, 14 px apart) they touch.
GENERATED_GROUP_ABOVE = 600
UNITS_ACROSS = 50  # at most this many units side by side: ~14 px apart at 1280x720


@dataclass(frozen=True)
class TeamGroups:
    """Teams as drawn: who is in which, where each is, and the lines between them."""

    member: np.ndarray  # (N,) each person's group
    labels: tuple[str, ...]  # (G,) what a group's tooltip calls it
    size: np.ndarray  # (G,) people in each group
    positions: np.ndarray  # (G, 2) the members' mean position
    reporting: np.ndarray  # (R, 2) groups joined by a reporting line, each pair once
    informal: np.ndarray  # (I, 2) groups joined by an informal tie, each pair once

    @property
    def n(self) -> int:
        return len(self.labels)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Each group's mean of a member attribute."""
        return np.bincount(self.member, weights=values, minlength=self.n) / self.size

    def most_common(self, codes: np.ndarray) -> np.ndarray:
        """Each group's most common value of a categorical attribute (role, level): a mean
        role is no role (ties go to the lowest code)."""
        codes = codes.astype(np.int64)
        k = int(codes.max(initial=0)) + 1
        counts = np.bincount(self.member * k + codes, minlength=self.n * k).reshape(self.n, k)
        return counts.argmax(axis=1)

    def pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Member pairs as group pairs, each once: (between two groups, within one group)."""
        return _distinct_pairs(self.member[a], self.member[b])


def by_team(
    chart: OrgChart | None,
    level: np.ndarray,
    manager: np.ndarray,
    ties: tuple[np.ndarray, np.ndarray, np.ndarray],
    projector: bool = False,
) -> TeamGroups | None:
    """How a run's network is drawn: by team (the groups) or member by member (None).

    A real chart goes by team above ``GROUP_ABOVE`` people; the generated tree goes by unit
    above ``GENERATED_GROUP_ABOVE`` people, or ``GROUP_ABOVE`` in projector mode (larger dots).
    ``ties`` are the members' positions, drawn reporting lines and informal ties.
    """
    n = level.shape[0]
    if chart is not None:
        return team_groups(chart, level, *ties) if n > GROUP_ABOVE else None
    if n <= (GROUP_ABOVE if projector else GENERATED_GROUP_ABOVE):
        return None
    return _groups(*_units_of(level, manager), *ties)


def team_groups(
    chart: OrgChart,
    level: np.ndarray,
    positions: np.ndarray,
    reporting: np.ndarray,
    informal: np.ndarray,
) -> TeamGroups:
    """The chart's teams as groups: its ``team`` labels, else (and for a blank label) those
    who share a manager; ``reporting`` and ``informal`` are the drawn member ties."""
    return _groups(*_team_of(chart, level), positions, reporting, informal)


def _groups(
    member: np.ndarray,
    labels: tuple[str, ...],
    positions: np.ndarray,
    reporting: np.ndarray,
    informal: np.ndarray,
) -> TeamGroups:
    size = np.bincount(member, minlength=len(labels))
    sums = np.stack([np.bincount(member, weights=positions[:, i]) for i in (0, 1)], axis=1)
    return TeamGroups(
        member=member,
        labels=labels,
        size=size,
        positions=sums / size[:, None],
        reporting=_distinct_pairs(member[reporting[:, 0]], member[reporting[:, 1]])[0],
        informal=_distinct_pairs(member[informal[:, 0]], member[informal[:, 1]])[0],
    )


def _units_of(level: np.ndarray, manager: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """The generated tree in units: the lowest level of managers with at most
    ``UNITS_ACROSS`` of them each heads a unit (them and everyone below); those above are
    drawn one by one. Numbered, like ``_team_of``, in the order of the rows."""
    counts = np.bincount(level)
    cut = next((c for c in range(1, counts.size) if counts[c] <= UNITS_ACROSS), counts.size - 1)
    head = np.arange(level.shape[0])
    while True:  # climb to the manager at the cut (or the top)
        below = (level[head] < cut) & (manager[head] != NO_MANAGER)
        if not below.any():
            break
        head = np.where(below, manager[head], head)
    heads, first, member = np.unique(head, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # a unit's number: its first row
    member = np.argsort(order)[member]
    labels = []
    for k, h in enumerate(heads[order].tolist()):
        if level[h] > cut:
            labels.append("the top" if manager[h] == NO_MANAGER else f"a level-{level[h]} manager")
        else:
            labels.append(f"unit {k + 1}: a level-{level[h]} manager and all below")
    return member.astype(np.int64), tuple(labels)


def _team_of(chart: OrgChart, level: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each person's group, numbered in the order of the chart's rows, and the groups'
    labels; a group by manager is named by the manager's level, never by a person."""
    team = chart.team if chart.team is not None else np.full(chart.n, "", dtype=object)
    keys = [
        f"team {label}" if label else f"manager {boss}"
        for label, boss in zip(team.tolist(), chart.manager.tolist(), strict=True)
    ]
    first = {key: None for key in keys}  # dicts keep insertion order: first appearance
    number = {key: i for i, key in enumerate(first)}
    member = np.array([number[key] for key in keys], dtype=np.int64)
    return member, tuple(_label(i, key, level) for i, key in enumerate(first))


def _label(i: int, key: str, level: np.ndarray) -> str:
    kind, _, name = key.partition(" ")
    if kind == "team":
        return name
    if int(name) == NO_MANAGER:
        return "the top"
    return f"group {i + 1}: reports to a level-{int(level[int(name)])} manager"


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pairs with a != b, each unordered pair once), (groups with a == b, each once)."""
    between = a != b
    pairs = np.sort(np.stack([a[between], b[between]], axis=1), axis=1)
    pairs = np.unique(pairs.reshape(-1, 2), axis=0)
    return pairs.astype(np.int64), np.unique(a[~between]).astype(np.int64)
