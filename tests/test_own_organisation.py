"""The model on an organisation of one's own: an org chart and a collaboration network.

The files' readers have their own tests (test_orgfiles.py); these build the charts in memory
(tests/orgs.py) and check what the model makes of them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from commsim.config import ConfigError, load_config
from commsim.model import CommunityModel
from commsim.model.organisation import ties_from_edges, weighted_ties
from tests.orgs import TITLES, chart_of, clustered_collaboration, uneven_chart


def test_a_chart_that_gives_only_the_tree_runs_as_the_generated_tree() -> None:
    """Every draw is made as for the generated tree, so the same structure gives the same run."""
    generated = CommunityModel(n_agents=60, seed=4, turnover_rate=0.05)
    own = CommunityModel(org_chart=chart_of(generated), seed=4, turnover_rate=0.05)
    generated.run(steps=30)
    own.run(steps=30)
    assert own.config.n_agents == 60
    assert generated.model_frame().equals(own.model_frame())
    assert generated.insight_frame().equals(own.insight_frame())


def test_levels_come_from_the_reporting_lines() -> None:
    chart = uneven_chart()
    level, manager = chart.level, chart.manager
    has = manager >= 0
    assert level[0] == level.max() > 2  # the top is the highest level
    assert np.all(level[has] == level[manager[has]] - 1)  # one level below the manager
    assert level.min() == 0


def test_the_chart_sets_roles_traits_and_tenure_where_it_gives_them() -> None:
    chart = uneven_chart()
    model = CommunityModel(org_chart=chart, org_chart_roles=TITLES, seed=1)
    state = model.state
    named = {"practitioner": 0, "researcher": 1, "capacity_builder": 2}
    for row, label in enumerate(chart.role):
        if label:
            assert state.role[row] == named[TITLES.get(label, label)], row
    blank = chart.role == ""
    assert set(state.role[blank]) <= {0, 1, 2} and blank.sum() > 3  # drawn where blank
    for trait in ("safety", "punitiveness", "learning_rate"):
        given = ~np.isnan(getattr(chart, trait))
        assert np.array_equal(getattr(state, trait)[given], getattr(chart, trait)[given])
    assert np.all(state.safety[np.isnan(chart.safety)] == model.config.initial_safety)
    tenured = chart.tenure >= 0
    assert np.array_equal(model.state.joined[tenured], -chart.tenure[tenured])
    assert np.array_equal(state.level, chart.level) and np.array_equal(state.manager, chart.manager)


def test_without_community_the_chart_s_roles_are_not_used() -> None:
    model = CommunityModel(org_chart=uneven_chart(), org_chart_roles=TITLES, community=False)
    assert not model.state.role.any()


def test_team_ties_follow_the_file_s_teams_and_collaboration_replaces_informal_ties() -> None:
    chart = uneven_chart()
    collaboration = clustered_collaboration(chart, weighted=False)
    model = CommunityModel(org_chart=chart, org_chart_roles=TITLES, collaboration=collaboration)
    got = {tuple(e) for e in model.ties.edges.tolist()}
    reporting = {tuple(sorted((r, int(chart.manager[r])))) for r in range(1, chart.n)}
    team = {
        (a, b)
        for a in range(chart.n)
        for b in range(a + 1, chart.n)
        if chart.team[a] == chart.team[b]
    }
    assert got == reporting | team | {tuple(e) for e in collaboration.edges.tolist()}
    without = CommunityModel(org_chart=chart, org_chart_roles=TITLES, team_ties=False)
    informal = {tuple(e) for e in without.ties.edges.tolist()} - reporting
    assert informal and not informal <= team  # random informal ties without the file


def test_collaboration_keeps_every_other_draw_of_the_run() -> None:
    """The informal ties are drawn and set aside: a collaboration network changes who is
    tied to whom, not the random numbers the rest of the run meets."""
    chart = uneven_chart(traits=False)
    plain = CommunityModel(org_chart=chart, org_chart_roles=TITLES, seed=9)
    tied = CommunityModel(
        org_chart=chart,
        org_chart_roles=TITLES,
        seed=9,
        collaboration=clustered_collaboration(chart),
    )
    assert np.array_equal(plain.state.beliefs, tied.state.beliefs)
    assert np.array_equal(plain.state.punitiveness, tied.state.punitiveness)
    assert np.array_equal(plain.sample_rows, tied.sample_rows)


def test_a_weighted_tie_is_chosen_in_proportion_to_its_weight() -> None:
    edges = np.array([[0, 1], [0, 2], [0, 3]])
    ties = weighted_ties(edges, np.array([1.0, 2.0, 7.0]), 4)
    picks = ties.random_neighbour(np.zeros(200_000, dtype=np.int64), np.random.default_rng(3))
    shares = np.bincount(picks, minlength=4)[1:] / picks.size
    assert np.allclose(shares, [0.1, 0.2, 0.7], atol=0.004)  # 4 standard errors at most
    back = ties.random_neighbour(np.array([1, 2, 3]), np.random.default_rng(0))
    assert back.tolist() == [0, 0, 0]


def test_equal_weights_choose_exactly_as_no_weights() -> None:
    rng = np.random.default_rng(5)
    edges = rng.integers(0, 50, size=(300, 2))
    plain = ties_from_edges(edges, 50)
    weighted = weighted_ties(edges, np.full(300, 2.5), 50)
    assert np.array_equal(plain.indices, weighted.indices)
    rows = rng.integers(0, 50, size=5_000)
    a = plain.random_neighbour(rows, np.random.default_rng(1))
    b = weighted.random_neighbour(rows, np.random.default_rng(1))
    assert np.array_equal(a, b)


def test_a_tie_in_the_file_keeps_the_file_s_weight_and_others_get_the_mean() -> None:
    chart = uneven_chart(traits=False)
    collaboration = clustered_collaboration(chart)
    model = CommunityModel(org_chart=chart, org_chart_roles=TITLES, collaboration=collaboration)
    ties = model.ties
    weight_of = {}
    for row in range(chart.n):
        for k in range(ties.indptr[row], ties.indptr[row + 1]):
            weight_of[(row, int(ties.indices[k]))] = float(ties.weight[k])
    for (a, b), w in zip(collaboration.edges.tolist(), collaboration.weight, strict=True):
        assert weight_of[(a, b)] == weight_of[(b, a)] == w
    manager = int(chart.manager[5])
    if (5, manager) not in {tuple(e) for e in collaboration.edges.tolist()}:
        assert weight_of[(5, manager)] == pytest.approx(collaboration.weight.mean())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_agents": 12}, "n_agents = 12, but the org chart uneven-80-0.csv has 80 people"),
        ({"org_chart_roles": {}}, "uneven-80-0.csv, line 2: role 'Nurse' is neither a role"),
        ({"network": "ring", "collaboration": "C"}, "field 'collaboration': replaces the"),
        ({"org_chart": None, "collaboration": "C"}, "field 'collaboration': needs an org_chart"),
    ],
)
def test_what_does_not_fit_the_chart_is_refused_in_one_line(changes: dict, message: str) -> None:
    chart = uneven_chart()
    data = {"org_chart": chart, "org_chart_roles": TITLES} | changes
    if data.get("collaboration") == "C":
        data["collaboration"] = clustered_collaboration(chart)
    assert chart.role[0] == "Nurse"  # the message below names it
    with pytest.raises(ConfigError) as err:
        load_config(data)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_agent_table_names_people_their_units_and_teams() -> None:
    chart = uneven_chart()
    units = np.array([f"unit-{r % 3}" for r in range(chart.n)], dtype=object)
    chart = dataclasses.replace(chart, unit=units)
    model = CommunityModel(org_chart=chart, org_chart_roles=TITLES, agent_sample_size=20)
    frame = model.agent_frame()
    rows = frame.member.to_numpy()
    assert frame.unit.tolist() == units[rows].tolist()
    assert frame.team.tolist() == chart.team[rows].tolist()
    assert frame.person.tolist() == chart.people(rows).tolist()
    assert not set(frame.person) & set(chart.ids)  # pseudonyms, not the ids
