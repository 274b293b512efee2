"""The cost of speaking up and closing the loop (docs/MODEL.md 7.22): its rule, piece by piece."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commsim.config import ConfigError, load_config
from commsim.levers import LEVERS
from commsim.model.model import CommunityModel
from commsim.model.reporting import HEARD, KEY, knowledge_reuse, reports

ON = {"n_agents": 60, "exploration_rate": 0.4, "agent_sample_size": 0}


def model(**params: Any) -> CommunityModel:
    return CommunityModel(None, seed=2, **(ON | params))


def step_around_reporting(m: CommunityModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step; returns performance and willingness just before the reporting phase, and
    the performance it left."""
    world = m.world
    m.steps += 1
    world.step, world.in_step = m.steps, True
    before = willing = None
    for phase in m._active:
        if phase.name == "reporting":
            before = world.scratch["performance"].copy()
            willing = reports(world).willingness.copy()
        phase.run(world)
    after = world.scratch["performance"]
    world.scratch.clear()
    world.in_step = False
    m._record()
    assert before is not None and willing is not None
    return before, willing, after


def step_events(m: CommunityModel, event: str) -> np.ndarray:
    """The holders of the ``event`` events logged at the model's current step."""
    frame = m.insight_frame()
    rows = frame[(frame["step"] == m.steps) & (frame["event"] == event)]
    return rows["holder"].to_numpy()


def test_idle_by_default_no_phase_no_state_no_columns() -> None:
    m = CommunityModel(None, n_agents=40, seed=1, agent_sample_size=0)
    m.run(5)
    assert "reporting" not in [p.name for p in m._active]
    assert KEY not in m.world.extra
    assert "mean_willingness" not in m.model_frame()
    offered = {lever.name for lever in LEVERS if lever.offered(m.config)}
    assert offered.isdisjoint({"close_the_loop", "ease_reporting"})


def test_a_report_needs_voice() -> None:
    with pytest.raises(ConfigError, match="voice_cost: reports are spoken up: set voice = true"):
        load_config(None, voice=False, voice_cost=0.1)


def test_each_report_spoken_costs_its_reporter_performance() -> None:
    m = model(voice_cost=0.05)
    for _ in range(3):
        before, _, after = step_around_reporting(m)
        spoken = np.concatenate([step_events(m, "voiced"), step_events(m, "punished")])
        reports_made = np.bincount(spoken, minlength=60)
        np.testing.assert_allclose(before - after, 0.05 * m.config.m * reports_made)
        assert reports_made.sum() > 0


def test_willingness_falls_per_report_spoken_and_vanished_and_rises_per_answer() -> None:
    """With feedback certain and an endless window every verified report is answered; the
    rest of the reports that ended vanish. Gains first, then the losses."""
    gain, loss, cost = 0.2, 0.3, 0.1
    m = model(
        voice_cost=cost,
        willingness_gain=gain,
        willingness_loss=loss,
        report_feedback=1.0,
        feedback_window=10_000,
    )
    for _ in range(4):
        _, w, _ = step_around_reporting(m)
        n = 60
        answered = np.bincount(step_events(m, "verified"), minlength=n)
        gone = [step_events(m, e) for e in ("refuted", "walled", "expired")]
        vanished = np.bincount(np.concatenate(gone), minlength=n)
        spoken = np.bincount(
            np.concatenate([step_events(m, "voiced"), step_events(m, "punished")]), minlength=n
        )
        expected = 1 - (1 - w) * (1 - gain) ** answered
        expected *= (1 - cost) ** spoken * (1 - loss) ** vanished
        # the top's own insights are no reports: the top (row 0) settles none
        np.testing.assert_allclose(reports(m.world).willingness[1:], expected[1:])


def test_no_feedback_means_no_answer_and_willingness_only_withers() -> None:
    m = model(willingness_gain=0.5, willingness_loss=0.1)
    m.run(15)
    frame = m.model_frame()
    assert frame["reports_answered"].sum() == 0 and frame["reports_closed"].sum() > 0
    assert (frame["mean_willingness"].diff().dropna() <= 0).all()


def test_an_unwilling_organisation_speaks_up_no_more() -> None:
    m = model(willingness_loss=0.5)
    m.run(1)
    reports(m.world).willingness[:] = 0.0
    m.run(3)
    rows = m.model_frame().iloc[2:]
    assert rows["voice_opportunities"].sum() > 0
    assert rows["insights_spoken"].sum() == 0
    assert (rows["superior_group"] <= 1).all()  # superior views are voiced: the top's alone


def test_a_newcomer_is_fully_willing_and_settles_none_of_the_leavers_reports() -> None:
    m = model(willingness_loss=0.5, verification_capacity=1, insight_ttl=5)
    m.run(6)
    own = reports(m.world)
    assert own.willingness.min() < 1.0
    m.intervene("reorganisation_shock", share=1.0, min_level=0)
    assert (own.willingness == 1.0).all()
    heard_before = own.insights[HEARD, m.ledger.pool_id] >= 0
    assert heard_before.any()  # reports of the leavers still queued for verification
    m.run(1)
    # what ended of them settled nothing: only the newcomers' own reports count
    frame = m.insight_frame()
    mine = frame[(frame["event"] == "voiced") & (frame["step"] == m.steps)]
    assert m.model_frame()["reports_closed"].iloc[-1] <= len(mine)


def test_levers_set_the_live_values_and_are_offered_where_on() -> None:
    m = model(voice_cost=0.1, willingness_loss=0.1)
    offered = {lever.name for lever in LEVERS if lever.offered(m.config)}
    assert {"close_the_loop", "ease_reporting"} <= offered
    m.intervene("close_the_loop", feedback=0.7)
    m.intervene("ease_reporting", cost=0.02)
    assert m.world.param("report_feedback") == 0.7
    assert m.world.param("voice_cost") == 0.02


def test_knowledge_reuse_counts_right_beliefs_held_from_another_teams_insight() -> None:
    m = model(willingness_loss=0.1)
    world = m.world
    state, own = world.state, reports(world)
    target = world.environment.target
    state.beliefs[:] = target  # everyone right everywhere
    state.code[:] = 0
    assert knowledge_reuse(world) == 0.0
    # dimension 3 codified from an insight of a front-line member: every member of another
    # team reuses it
    holder = int(np.flatnonzero(state.level == 0)[0])
    state.code[3] = target[3]
    world.memory.source[3] = own.source_id[3] = 7
    own.source_team[3] = world.climate_setter[holder]
    others = np.count_nonzero(world.climate_setter != world.climate_setter[holder])
    assert knowledge_reuse(world) == pytest.approx(others / state.beliefs.size)
    world.memory.source[3] = -1  # superseded by code learning: no insight behind it now
    assert knowledge_reuse(world) == 0.0


def test_each_ended_report_is_settled_once() -> None:
    """Every heard insight that was verified, refuted, walled or expired is settled, once."""
    m = model(willingness_loss=0.2)
    m.run(8)
    frame = m.insight_frame()
    heard = frame.loc[frame["event"] == "voiced", "insight"]
    ends = frame["event"].isin(["refuted", "walled", "expired", "verified"])
    assert m.model_frame()["reports_closed"].sum() == (ends & frame["insight"].isin(heard)).sum()


@pytest.mark.parametrize("every", [None, 4])
def test_a_thinned_run_sums_the_reports_of_the_steps_it_skips(every: int | None) -> None:
    full, thin = model(willingness_loss=0.2), model(willingness_loss=0.2)
    full.run(12)
    thin.run(12, record_every=every)
    for name in ("reports_closed", "reports_answered"):
        assert thin.model_frame()[name].sum() == full.model_frame()[name].sum()
    assert (
        thin.model_frame()["mean_willingness"].iloc[-1]
        == full.model_frame()["mean_willingness"].iloc[-1]
    )
