"""A large chart of one's own drawn team by team: markers, lines, colours and flashes."""

from __future__ import annotations

import dataclasses
import json

import networkx as nx
import numpy as np
import pytest

from commsim.app import charts
from commsim.app.groups import GENERATED_GROUP_ABOVE, GROUP_ABOVE, UNITS_ACROSS
from commsim.app.session import STEERED, Flash, LiveRun
from commsim.config import load_config
from tests.orgs import TITLES, uneven_chart


def live(chart, **overrides: object) -> LiveRun:
    data = {"org_chart": chart, "org_chart_roles": TITLES, "agent_sample_size": 0}
    return LiveRun(load_config(data | {"seed": 2} | overrides))


@pytest.fixture(scope="module")
def labelled() -> LiveRun:
    run = live(uneven_chart(600))
    run.step(2)
    return run


@pytest.fixture(scope="module")
def by_manager() -> LiveRun:
    """A chart with no team column: a team is those who share a manager."""
    return live(dataclasses.replace(uneven_chart(500, seed=1), team=None))


def patch_of(run: LiveRun, attribute: str = "safety", flash: Flash | None = None) -> dict:
    flash = run.flash[STEERED] if flash is None else flash
    return charts.network_patch(run, STEERED, run.model, flash, attribute)


def test_a_large_chart_of_one_s_own_is_drawn_by_team_in_either_mode() -> None:
    assert live(uneven_chart(GROUP_ABOVE)).groups == {False: None, True: None}
    groups = live(uneven_chart(GROUP_ABOVE + 1)).groups
    assert groups[False] is not None and groups[True] is not None


def generated(n: int) -> LiveRun:
    return LiveRun(load_config(None, n_agents=n, agent_sample_size=0))


def test_the_generated_tree_is_drawn_by_unit_above_its_size_and_sooner_on_a_projector() -> None:
    """Projector mode's larger dots need more room: it groups from GROUP_ABOVE people on."""
    assert generated(GROUP_ABOVE).groups == {False: None, True: None}
    bigger = generated(GROUP_ABOVE + 10).groups
    assert bigger[False] is None and bigger[True] is not None
    largest = generated(GENERATED_GROUP_ABOVE + 10).groups
    assert largest[False] is not None and largest[True] is not None


def test_a_unit_is_a_manager_and_everyone_below_few_enough_to_sit_side_by_side() -> None:
    run = generated(1000)
    groups, state = run.groups[True], run.model.state
    assert groups.size.sum() == 1000 and groups.n < 100  # markers, not 1,000 dots
    tree = nx.Graph(groups.reporting.tolist())  # units and the managers above: one tree
    assert tree.number_of_nodes() == groups.n and nx.is_tree(tree)
    units = [g for g, label in enumerate(groups.labels) if label.startswith("unit ")]
    assert 1 < len(units) <= UNITS_ACROSS
    level = state.level
    cut = int(level[groups.member == units[0]].max())  # a unit's head is its highest member
    for g in units:  # each unit: one head at the cut, and exactly everyone who reports to it
        mine = np.flatnonzero(groups.member == g)
        head = mine[level[mine] == cut]
        assert head.size == 1 and level[mine].max() == cut
        below = {int(head[0])}
        for row in np.argsort(-level, kind="stable").tolist():
            if state.manager[row] in below:
                below.add(row)
        assert below == set(mine.tolist())
    others = [g for g in range(groups.n) if g not in units]  # above the cut: one by one
    assert all(groups.size[g] == 1 for g in others) and "the top" in groups.labels
    assert np.all(level[np.isin(groups.member, others)] > cut)
    base = charts.network_base(run, "safety", "t", projector=True)
    patch = charts.network_patch(run, STEERED, run.model, run.flash[STEERED], "safety", True)
    assert len(patch["series"][2]["data"]) == groups.n
    assert len(base["series"][0]["data"]) == groups.n - 1  # a tree: one line per marker but one


def test_one_marker_per_team_at_its_members_mean_sized_by_head_count(labelled) -> None:
    chart, groups = labelled.config.org_chart, labelled.groups[False]
    teams = patch_of(labelled)["series"][2]["data"]
    assert len(teams) == groups.n == len(set(chart.team))
    assert groups.size.sum() == chart.n
    for g, label in enumerate(groups.labels):
        mine = chart.team == label
        assert groups.size[g] == mine.sum()
        assert groups.positions[g] == pytest.approx(labelled.positions[mine].mean(axis=0))
    order = np.argsort(groups.size)
    sizes = np.array([t["symbolSize"] for t in teams])
    assert np.all(np.diff(sizes[order]) >= 0) and sizes.min() < sizes.max()


def test_a_team_is_coloured_by_its_mean_and_says_so_without_ids(labelled) -> None:
    chart, groups = labelled.config.org_chart, labelled.groups[False]
    safety = labelled.model.state.safety
    teams = patch_of(labelled)["series"][2]["data"]
    for g, team in enumerate(teams):
        mean = safety[chart.team == groups.labels[g]].mean()
        assert team["value"][2] == pytest.approx(mean, abs=5e-4)
        assert (
            team["name"] == f"{groups.labels[g]}: {groups.size[g]} people, mean safety {mean:.2f}"
        )
        assert not any(person in team["name"] for person in chart.ids)
    roles = patch_of(labelled, "role")["series"][2]["data"]
    for g, team in enumerate(roles):
        common = np.bincount(labelled.model.state.role[groups.member == g]).argmax()
        assert team["value"][2] == common and "mostly" in team["name"]


def test_without_team_labels_teams_are_managers_reports_joined_as_a_tree(by_manager) -> None:
    chart, groups = by_manager.config.org_chart, by_manager.groups[False]
    assert groups.n == len(set(chart.manager.tolist()))  # every manager's reports, the top
    for g in range(groups.n):
        assert len(set(chart.manager[groups.member == g].tolist())) == 1
    tree = nx.Graph(groups.reporting.tolist())  # each team joined to its manager's team
    assert tree.number_of_nodes() == groups.n and nx.is_tree(tree)
    assert "the top" in groups.labels
    assert all("reports to a level-" in label for label in groups.labels if label != "the top")


def test_voice_and_suppression_flash_on_the_members_teams(by_manager) -> None:
    groups = by_manager.groups[False]
    member = groups.member
    first = np.flatnonzero(member == member[1])  # two teammates
    other = int(np.flatnonzero(member != member[1])[0])
    holders = np.array([first[0], first[0], other])
    listeners = np.array([first[1], other, first[0]])  # within, across, across back
    flash = Flash(voiced=(holders, listeners), suppressed=np.array([other, other, first[1]]))
    series = patch_of(by_manager, flash=flash)["series"]
    pos = groups.positions
    across = sorted((member[first[0]], member[other]))
    assert series[3]["data"] == [pos[across].tolist()]  # one line, however many insights
    assert [m["value"] for m in series[5]["data"]] == [pos[member[1]].tolist()]  # a ring
    marked = sorted(tuple(m["value"]) for m in series[4]["data"])
    assert marked == sorted(tuple(pos[g]) for g in {member[other], member[1]})
    steps = by_manager.model.steps
    assert patch_of(by_manager)["title"]["subtext"].endswith(f"step {steps}, {groups.n} teams")


def test_the_base_draws_the_teams_lines_and_is_json_safe(labelled) -> None:
    base = json.loads(charts.as_json(charts.network_base(labelled, "level", "t")))
    groups = labelled.groups[False]
    assert len(base["series"]) == 6  # the sixth: voice within a team
    assert len(base["series"][0]["data"]) == len(groups.reporting) > 0
    assert len(base["series"][1]["data"]) == len(groups.informal)
    assert base["series"][2]["tooltip"] == {"formatter": "{b}"}
    levels = patch_of(labelled, "level")["series"][2]["data"]
    assert {t["value"][2] for t in levels} <= set(range(labelled.model.n_levels))


def test_a_blank_team_label_falls_back_to_those_who_share_a_manager() -> None:
    chart = uneven_chart(400, seed=4)
    team = chart.team.copy()
    blank = np.arange(chart.n) % 7 == 0  # the top among them
    team[blank] = ""
    groups = live(dataclasses.replace(chart, team=team)).groups[False]
    named = set(team[~blank])
    assert groups.n == len(named) + len(set(chart.manager[blank].tolist()))
    for g in range(groups.n):
        mine = groups.member == g
        if groups.labels[g] in named:
            assert (team[mine] == groups.labels[g]).all()
        else:
            assert (team[mine] == "").all() and len(set(chart.manager[mine].tolist())) == 1
