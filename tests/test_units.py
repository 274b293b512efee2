"""Units with local conditions, unit practices and standardisation (docs/MODEL.md 7.20)."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.config import ConfigError, load_config
from commsim.model.model import CommunityModel
from commsim.model.organisation import build_hierarchy
from commsim.model.reality import RealityVector
from commsim.model.units import (
    UnitReality,
    assign_units,
    learn_practices,
    local_signs,
    socialise_in_units,
    track_spread,
)
from tests.test_model import UNIT_LEVERS

UNITS = {"units": 4, "local_variation": 0.2, "n_agents": 60, "agent_sample_size": 0}


def model(**params: object) -> CommunityModel:
    return CommunityModel(None, **(UNITS | params))


def test_units_are_subtrees_of_one_layer_in_contiguous_blocks() -> None:
    level, manager = build_hierarchy(200, 12)
    unit = assign_units(manager, 12)
    assert set(unit.tolist()) == set(range(12))
    layer = max(lv for lv in set(level.tolist()) if (level == lv).sum() >= 12)  # the heads
    below = np.flatnonzero(level < layer)
    assert (unit[below] == unit[manager[below]]).all()  # everyone is in the manager's unit
    with pytest.raises(ConfigError, match="units: no level"):
        assign_units(build_hierarchy(20, 3)[1], 19)


def test_each_unit_differs_on_its_share_of_dimensions() -> None:
    signs = local_signs(np.random.default_rng(1), 12, 30, 0.2)
    assert ((signs == -1).sum(axis=1) == 6).all()
    assert len({tuple(row) for row in signs.tolist()}) > 1  # drawn for each unit
    assert (local_signs(np.random.default_rng(1), 3, 30, 0.0) == 1).all()


def test_acting_and_feedback_meet_the_members_own_unit() -> None:
    m = model()
    env = m.environment
    assert isinstance(env, UnitReality)
    targets = env.member_targets()
    _, performance = env.perform(np.asfortranarray(targets), np.uint64(7))
    assert (performance == m.config.m).all()  # acting on one's own reality: all right
    rows = np.arange(m.state.n)
    dims = rows % m.config.m
    assert (env.better(m.state.beliefs, dims, rows) == targets[rows, dims]).all()
    assert (env.better(m.state.beliefs, dims) == env.target[dims]).all()  # no member named
    turbulence = env.target.copy()
    env.drift(1.0, np.random.default_rng(0))  # the shared reality moves ...
    assert (env.target == -turbulence).all()
    assert (env.member_targets() == -targets).all()  # ... and the local differences stay


@pytest.mark.parametrize(("standardization", "source"), [(1.0, "code"), (0.0, "practice")])
def test_standardization_weighs_the_code_against_the_units_practice(
    standardization: float, source: str
) -> None:
    m = model(
        standardization=standardization,
        socialisation_rate=1.0,
        socialisation_mode="jump",
        community=False,
    )
    m.state.code[:] = -1
    m.environment.units.practice[:] = 1
    socialise_in_units(m.world)
    assert (m.state.beliefs == (-1 if source == "code" else 1)).all()


def test_a_unit_practice_learns_from_its_superior_members_only() -> None:
    m = model(code_learning_rate=1.0, high_stakes_share=0.0)
    units, env = m.environment.units, m.environment
    local = env.local()
    actions = np.asfortranarray(env.member_targets())  # everyone right in its own unit
    actions[units.unit == 1] *= -1  # unit 1 all wrong: worse than its empty practice
    m.world.scratch.update(actions=actions, performance=(actions * env.member_targets()).sum(1))
    learn_practices(m.world)
    assert (units.practice[0] == local[0]).all()
    assert (units.practice[1] == 0).all()


def test_root_cause_analysis_fixes_practices_where_adverse_events_happen() -> None:
    m = model(
        high_stakes_share=0.2, root_cause_analysis=1.0, incident_sharing=1.0, research_noise=0.0
    )
    units, env = m.environment.units, m.environment
    actions = np.asfortranarray(-env.member_targets())  # everything wrong
    m.world.scratch.update(actions=actions, performance=np.full(m.state.n, -m.config.m))
    learn_practices(m.world)
    stakes = units.high_stakes
    assert stakes.sum() == 6
    assert m.world.counts["adverse_events"] == m.state.n * 6
    assert m.world.counts["incident_analyses"] == 4 * 6  # one per unit and dimension
    assert (units.practice[:, stakes] == env.local()[:, stakes]).all()
    assert (units.practice[:, ~stakes] == 0).all()


def test_an_innovation_is_timed_from_one_unit_to_all() -> None:
    m = model()
    units, local = m.environment.units, m.environment.local()
    m.world.step = 3
    units.practice[0, 5] = local[0, 5]  # right in one unit
    track_spread(m.world, local)
    assert units.spreading[5] == 3
    m.world.step = 10
    units.practice[:, 5] = local[:, 5]  # right in all
    track_spread(m.world, local)
    assert m.world.counts["innovations_spread"] == 1
    assert m.world.counts["innovation_spread_steps"] == 7
    assert units.spreading[5] == -1


def test_cross_unit_reviews_end_after_their_steps() -> None:
    m = model(
        interventions=[{"step": 2, "action": "hold_cross_unit_reviews", "rate": 1.0, "steps": 3}]
    )
    m.run(8)
    learned = m.model_frame()["cross_unit_learnings"].to_numpy()
    assert learned[2:5].sum() > 0
    assert learned[:2].sum() == 0 and learned[5:].sum() == 0


def test_off_by_default_and_nothing_of_it_recorded() -> None:
    m = CommunityModel(None, n_agents=30, agent_sample_size=0)
    assert type(m.environment) is RealityVector
    assert "local_knowledge" not in m.model_frame()
    assert "socialise" in [p.name for p in m._active]
    assert "local_knowledge" in model().model_frame()


def test_units_refuse_what_they_cannot_do() -> None:
    with pytest.raises(ConfigError, match=r"units: .*task = 'reality'"):
        load_config(None, units=3, task="nk", m=10)
    with pytest.raises(ConfigError, match=r"units: .*stop_at_equilibrium"):
        load_config(None, units=3, stop_at_equilibrium=True)
    plain = CommunityModel(None, n_agents=30, agent_sample_size=0)
    for lever, given in (("hold_cross_unit_reviews", "rate"), ("set_standardization", "value")):
        with pytest.raises(ConfigError, match="needs units > 0"):
            plain.intervene(lever, **{given: 0.5})


@pytest.mark.parametrize("sharing", [0.0, 1.0])
def test_findings_reach_the_other_units_only_when_shared(sharing: float) -> None:
    m = model(root_cause_analysis=1.0, incident_sharing=sharing, research_noise=0.0)
    units, env = m.environment.units, m.environment
    actions = np.asfortranarray(env.member_targets())
    actions[units.unit == 0] *= -1  # adverse events in unit 0 only
    m.world.scratch.update(actions=actions, performance=np.zeros(m.state.n, dtype=np.int64))
    learn_practices(m.world)
    stakes = units.high_stakes
    assert m.world.counts["incident_analyses"] == stakes.sum()
    assert (units.practice[0, stakes] == env.local()[0, stakes]).all()
    reached = (units.practice[1:, stakes] != 0).all()
    assert reached == (sharing == 1.0)


def test_the_standardisation_lever_sets_the_weight_for_the_rest_of_the_run() -> None:
    m = model(standardization=0.0, socialisation_rate=1.0, socialisation_mode="jump")
    m.intervene("set_standardization", value=1.0)
    m.state.code[:] = -1
    m.environment.units.practice[:] = 1
    socialise_in_units(m.world)
    assert (m.state.beliefs[m.state.role == 1] == -1).all()  # researchers: no wall to cross


def test_each_hospital_lever_sets_its_value_and_is_logged() -> None:
    m = model()
    m.run(2)
    m.intervene("analyse_root_causes", share=0.7)
    m.intervene("share_incident_reports", reach=0.4)
    m.intervene("hold_cross_unit_reviews", rate=0.2, steps=5)
    m.intervene("set_standardization", value=0.9)
    params = ("root_cause_analysis", "incident_sharing", "cross_unit_reviews", "standardization")
    assert [m.world.param(name) for name in params] == [0.7, 0.4, 0.2, 0.9]
    assert m.environment.units.reviews_until == m.next_step + 5
    assert sorted(m.intervention_frame().action) == sorted(UNIT_LEVERS)
