"""The model as Mesa sees it, determinism, interventions and the collected data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mesa import DataCollector
from mesa.discrete_space import Network

from commsim.config import ConfigError
from commsim.levers import LEVERS
from commsim.model.model import CommunityModel
from commsim.model.state import CAPACITY_BUILDER

from .conftest import CONFIGS, run_model

#: the units' levers need units (7.20): tests/test_units.py pulls them in a run that has some
UNIT_LEVERS = {
    "set_standardization",
    "analyse_root_causes",
    "share_incident_reports",
    "hold_cross_unit_reviews",
}
ACTIONS = [lever.name for lever in LEVERS if lever.name not in UNIT_LEVERS]


def test_same_seed_same_everything_and_other_seed_differs() -> None:
    a, df_a = run_model(seed=7, turnover_rate=0.02, turbulence_rate=0.02, agent_sample_size=20)
    b, df_b = run_model(seed=7, turnover_rate=0.02, turbulence_rate=0.02, agent_sample_size=20)
    pd.testing.assert_frame_equal(df_a, df_b)
    pd.testing.assert_frame_equal(a.insight_frame(), b.insight_frame())
    pd.testing.assert_frame_equal(a.agent_frame(), b.agent_frame())
    _, df_c = run_model(seed=8, turnover_rate=0.02, turbulence_rate=0.02)
    assert not df_a.equals(df_c)


def test_mesa_views_read_and_write_the_arrays() -> None:
    model = CommunityModel(None, n_agents=80)
    assert model._views is None  # nothing built until asked for
    agents = model.agents
    assert len(agents) == 80
    assert isinstance(model.grid, Network)
    member = model.member(10)
    assert member.cell.coordinate == 10
    member.safety = 0.25
    assert model.state.safety[10] == 0.25
    model.state.beliefs[10] = model.environment.target
    assert member.knowledge == 1.0
    boss = member.manager
    assert boss is not None and boss.level == member.level + 1
    with pytest.raises(ValueError, match="safety"):
        member.safety = 1.5
    researchers = agents.select(lambda a: a.role == "researcher")
    assert len(researchers) == int((model.state.role == 1).sum())
    neighbours = {a.row for a in member.cell.neighborhood.agents}
    assert neighbours == set(model.ties.indices[model.ties.indptr[10] : model.ties.indptr[11]])


def test_mesa_datacollector_works_on_the_views() -> None:
    model = CommunityModel(None, n_agents=60)
    dc = DataCollector(
        model_reporters={"code": lambda m: m.model_frame().code_knowledge.iloc[-1]},
        agent_reporters={"safety": "safety", "level": "level"},
    )
    for _ in range(3):
        model.step()
        dc.collect(model)
    agents = dc.get_agent_vars_dataframe()
    assert len(agents) == 3 * 60
    last = agents.xs(3, level="Step").safety.to_numpy()
    assert np.allclose(np.sort(last), np.sort(model.state.safety))


def test_model_table_has_one_row_per_step_and_every_metric() -> None:
    _, df = run_model(steps=25)
    assert df.step.tolist() == list(range(26))
    for column in [
        "code_knowledge",
        "code_accuracy",
        "mean_knowledge",
        "knowledge_sd",
        "belief_diversity",
        "insights_generated",
        "insights_voiced",
        "insights_suppressed",
        "insights_codified",
        "insights_adopted",
        "voice_rate_upward",
        "safety_level_0",
        "safety_practitioner",
        "safety_researcher",
        "safety_capacity_builder",
        "cross_role_share",
        "diffusion_reach",
        "diffusion_time",
        "advancement",
        "interventions",
    ]:
        assert column in df.columns
    assert ((df.code_accuracy >= 0) & (df.code_accuracy <= 1)).all()


def test_advancement_tells_steady_progress_from_oscillation() -> None:
    from commsim.model.metrics import advancement

    assert advancement([0.1, 0.2, 0.3, 0.4], 10) == pytest.approx(1.0)
    assert advancement([0.1, 0.3, 0.1, 0.3, 0.1], 10) == pytest.approx(0.0)
    assert advancement([0.5, 0.4, 0.3], 10) == pytest.approx(-1.0)
    assert advancement([0.0, 9.0, 0.1, 0.2], 2) == pytest.approx(-8.8 / 9.0)  # last 2 steps only


class TestInterventions:
    def model(self) -> CommunityModel:
        model = CommunityModel(None, n_agents=200, seed=2)
        model.run(5)
        return model

    def test_each_action_changes_what_it_names_and_is_recorded(self) -> None:
        m = self.model()
        before = m.state.safety.copy()
        m.intervene("raise_safety", amount=0.2)
        assert np.allclose(m.state.safety, np.minimum(before + 0.2, 1))
        m.intervene("set_punitiveness", value=0.9)
        leads = np.unique(m.state.manager[m.state.manager >= 0])
        assert (m.state.punitiveness[leads] == 0.9).all()
        top_level = int(m.state.level.max())
        m.intervene("flatten_hierarchy")
        assert int(m.state.level.max()) == -(-top_level // 2)
        cbs = (m.state.role == CAPACITY_BUILDER).sum()
        m.intervene("add_capacity_builders", share=0.5)
        assert (m.state.role == CAPACITY_BUILDER).sum() > cbs + 50
        m.intervene("set_integration", value=0.0)
        assert m.integration == 0.0
        reality = m.environment.target.copy()
        m.intervene("reality_shock", share=0.5)
        assert (m.environment.target != reality).sum() == 15
        m.intervene("set_exploration_fear", value=0.3)
        assert m.world.param("exploration_fear") == 0.3
        m.intervene("set_hero_dependence", value=0.02)
        assert m.world.param("hero_dependence") == 0.02
        m.intervene("close_the_loop", feedback=0.5)  # the live values, whether or not
        m.intervene("ease_reporting", cost=0.1)  # the cost of speaking up is modelled (7.22)
        assert (m.world.param("report_feedback"), m.world.param("voice_cost")) == (0.5, 0.1)
        reality = m.environment.target.copy()
        m.intervene("structural_shock", share=0.2)  # on reality: a run of 6 dimensions
        assert (m.environment.target != reality).sum() == 6
        m.intervene("set_accountability", value=0.3)
        m.intervene("train_just_culture", amount=0.1)
        assert m.world.param("blame_bias") == 0.3
        assert m.world.param("attribution_accuracy") == pytest.approx(0.8)
        m.intervene("set_rigour", verifications=2)
        m.intervene("set_goal_hierarchy", value=1.0)
        assert m.world.param("verifications_required") == 2
        assert m.world.param("goal_hierarchy") == 1.0
        m.intervene("reorganisation_shock", share=1.0, min_level=1)
        assert m.next_step == 6  # applied between steps 5 and 6: it shapes step 6
        assert (m.state.joined[m.state.level >= 1] == 6).all()
        log = m.intervention_frame()
        assert sorted(log.action) == sorted(ACTIONS)
        assert (log.step == 6).all()
        m.step()
        last = m.model_frame().iloc[-1]
        assert sorted(last.interventions.split(";")) == sorted(ACTIONS)
        assert last.departures > 0  # the shock's leavers count in the row of the step it shaped

    def test_out_of_range_input_is_refused_by_the_model(self) -> None:
        m = self.model()
        with pytest.raises(ConfigError, match="field 'value'"):
            m.intervene("set_integration", value=1.5)
        with pytest.raises(ConfigError, match="unknown action"):
            m.intervene("fire_everyone")
        with pytest.raises(ConfigError, match="unknown field 'amout'"):
            m.intervene("raise_safety", amout=0.1)
        assert m.intervention_log == []

    def test_scheduled_interventions_land_at_their_step(self) -> None:
        sched = (
            {"step": 3, "action": "set_integration", "value": 0.0},
            {"step": 0, "action": "raise_safety", "amount": 0.3},
        )
        _model, df = run_model(steps=6, interventions=sched, initial_safety=0.2)
        assert df.interventions.tolist()[:4] == ["raise_safety", "", "", "set_integration"]
        assert df.integration.tolist()[:4] == [0.8, 0.8, 0.8, 0.0]
        assert df.mean_safety.iloc[0] == pytest.approx(0.5)
        assert df.cross_role_flows.iloc[3:].sum() == 0


@pytest.mark.parametrize("every", [None, 4])
@pytest.mark.parametrize(
    ("preset", "overrides"),
    [
        ("default", {"n_agents": 80, "steps": 30}),
        ("march1991", {}),
        ("autoco", {"n_agents": 100, "steps": 105}),
    ],
)
def test_a_thinned_run_records_the_rows_a_sweep_keeps_of_the_full_run(
    preset: str, overrides: dict, every: int | None
) -> None:
    """``run(record_every=...)`` skips rows, not work: each kept row is the full run's row,
    its event counters summed since the previous kept row; insights and agents unchanged."""
    full = CommunityModel(CONFIGS / f"{preset}.toml", **overrides)
    full.run()
    thin = CommunityModel(CONFIGS / f"{preset}.toml", **overrides)
    thin.run(record_every=every)
    rows = full.model_frame()
    last = rows.step.iloc[-1]
    kept = (rows.step == 0) | (rows.step == last)
    if every is not None:
        kept |= rows.step % every == 0
    events = list(full.catalogue.events_of(full.config))
    totals = rows[events].cumsum().to_numpy()[kept.to_numpy()]
    expected = rows[kept].reset_index(drop=True)
    expected[events] = np.diff(totals, axis=0, prepend=np.zeros((1, len(events)), totals.dtype))
    assert len(expected) < len(rows) and expected[events].to_numpy().sum() > 0
    pd.testing.assert_frame_equal(thin.model_frame(), expected)
    pd.testing.assert_frame_equal(thin.insight_frame(), full.insight_frame())
    pd.testing.assert_frame_equal(thin.agent_frame(), full.agent_frame())
    # stepping on afterwards records every step again
    thin.step()
    assert (
        thin.model_frame().step.iloc[-1] == last + 1
        and len(thin.model_frame()) == len(expected) + 1
    )


def test_record_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="record_every must be at least 1 or None"):
        CommunityModel(CONFIGS / "march1991.toml").run(record_every=0)


def test_run_keeps_mesa_s_clock_where_mesa_s_own_stepping_would() -> None:
    quick = CommunityModel(CONFIGS / "march1991.toml", steps=12, stop_at_equilibrium=False)
    quick.run()
    assert (quick.steps, quick.time) == (12, 12.0)
    quick.step()  # Mesa's next step: exactly one
    assert (quick.steps, quick.time, len(quick.model_frame())) == (13, 13.0, 14)
    # an event of a user's own: Mesa steps, and runs it at its time
    seen: list[float] = []
    mesa_steps = CommunityModel(CONFIGS / "march1991.toml", steps=12, stop_at_equilibrium=False)

    def note() -> None:  # Mesa holds it weakly: a name keeps it alive
        seen.append(mesa_steps.time)

    mesa_steps.schedule_event(note, at=5.5)
    mesa_steps.run()
    assert seen == [5.5] and (mesa_steps.steps, mesa_steps.time) == (12, 12.0)
    pd.testing.assert_frame_equal(mesa_steps.model_frame(), quick.model_frame().iloc[:13])


def test_an_event_scheduled_mid_run_hands_the_stepping_back_to_mesa() -> None:
    seen: list[float] = []

    class Scheduling(CommunityModel):
        def note(self) -> None:
            seen.append(self.time)

        def step(self) -> None:
            super().step()
            if self.steps == 3:
                self.schedule_event(self.note, after=2.5)

    model = Scheduling(CONFIGS / "march1991.toml", steps=10, stop_at_equilibrium=False)
    model.run()
    assert seen == [5.5] and (model.steps, model.time) == (10, 10.0)
    assert model.model_frame().step.tolist() == list(range(11))
