"""Structural tension and rigour (docs/MODEL.md 7.23): the rule, its state and its idleness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commsim.config import ConfigError, load_config
from commsim.model import tension
from commsim.model.model import CommunityModel
from commsim.model.world import World

SMALL = {"n_agents": 60, "m": 20, "agent_sample_size": 0, "seed": 4}
TENSION_COLUMNS = {
    "exploration_effort",
    "learning_gap",
    "performance_gap",
    "effort_oscillation",
    "wrong_codifications",
    "codification_delay",
}


def frame(steps: int = 30, **params: object) -> pd.DataFrame:
    model = CommunityModel(None, **(SMALL | params))
    model.run(steps)
    return model.model_frame()


def world(**params: object) -> World:
    """A built model's world, before its first step."""
    return CommunityModel(None, **(SMALL | params)).world


@pytest.mark.parametrize("setting", [{}, {"community": False, "voice": False}, {"task": "nk"}])
def test_off_by_default_and_idle_goals_change_no_number(setting: dict) -> None:
    """Goals, hierarchy and cost without a gain, and one verification: the built-in run."""
    base = frame(**setting)
    idle = frame(
        **setting,
        learning_goal=0.3,
        performance_goal=0.1,
        goal_hierarchy=1.0,
        exploration_cost=0.9,
        verifications_required=1,
    )
    pd.testing.assert_frame_equal(base, idle)
    assert not TENSION_COLUMNS & set(base.columns)
    assert load_config(None).digest() == load_config(None, goal_hierarchy=0.0).digest()


@pytest.mark.parametrize(
    ("effort", "gaps", "hierarchy", "expected"),
    [
        (0.5, (0.3, 0.3), 0.0, 0.5),  # equal pulls cancel
        (0.5, (0.3, 0.5), 0.0, 0.46),  # the performance gap wins: toward exploitation
        (0.5, (0.3, 0.5), 1.0, 0.56),  # learning first: the performance pull waits
        (0.5, (0.0, 0.5), 1.0, 0.4),  # learning met: the performance goal pulls in full
        (0.95, (1.0, 0.0), 0.0, 1.0),  # clipped to [0, 1]
        (0.02, (0.0, 1.0), 0.5, 0.0),
    ],
)
def test_the_gaps_pull_the_effort(
    effort: float, gaps: tuple[float, float], hierarchy: float, expected: float
) -> None:
    w = world(tension_gain=0.2, goal_hierarchy=hierarchy)
    assert tension.pull(effort, *gaps, w) == pytest.approx(expected)


def test_the_effort_sets_the_steps_rates() -> None:
    """After acting: the gaps as defined, then exploration 2e r and socialisation 2(1 - e)."""
    w = world(tension_gain=0.5, exploration_rate=0.3, exploration_cost=0.5)
    w.scratch["performance"] = np.full(w.state.n, 10)  # 10 / m = 0.5
    w.state.code[:] = 0  # code knowledge 0
    tension.divide_effort(w)
    state = w.extra["tension"]
    assert state.learning_gap == pytest.approx(0.8)
    assert state.performance_gap == pytest.approx(0.8 - (0.5 - 0.5 * 0.3))
    assert state.effort == pytest.approx(0.5 + 0.5 * (0.8 - 0.45))
    assert w.scratch["exploration_rate"] == pytest.approx(min(1.0, 2 * state.effort * 0.3))
    assert w.scratch["socialisation_factor"] == pytest.approx(2 * (1 - state.effort))


def test_a_codification_needs_every_confirmation() -> None:
    """Three checks: pending until the third; a refutation ends it; counts are forgotten."""
    w = world(verifications_required=3)
    ids = np.array([7, 8, 9])
    for _ in range(2):
        done, pending = tension.confirm(w, ids, np.array([True, True, False]), np.empty(0, int))
        assert not done.any() and pending.tolist() == [True, True, False]
    done, pending = tension.confirm(w, ids[:1], np.array([True]), np.array([8]))
    assert done.tolist() == [True] and not pending.any()
    assert w.extra["tension"].confirmations == {}  # 7 verified, 8 expired, 9 refuted


def test_rigour_codifies_later_and_fewer_wrong() -> None:
    """Noisy research: with three confirmations nothing is codified in the step it is queued
    and the wrong ones mostly stop; the metrics are columns of the run."""
    noisy = {"research_noise": 0.3, "exploration_rate": 0.3}
    fast, rigorous = [
        frame(60, **noisy, tension_gain=0.1, verifications_required=k) for k in (1, 3)
    ]
    assert set(fast.columns) >= TENSION_COLUMNS
    assert rigorous.codification_delay.iloc[-1] >= 2 > fast.codification_delay.iloc[-1]
    assert rigorous.wrong_codifications.sum() < fast.wrong_codifications.sum() / 3


def test_hierarchy_keeps_the_organisation_exploring() -> None:
    """No hierarchy: the performance pull stops exploration; learning first keeps it going."""
    runs = {h: frame(80, tension_gain=0.2, goal_hierarchy=h) for h in (0.0, 1.0)}
    tail = {h: f.iloc[40:] for h, f in runs.items()}
    assert tail[0.0].exploration_effort.mean() < 0.05 < tail[1.0].exploration_effort.mean()
    assert tail[1.0].code_knowledge.mean() > tail[0.0].code_knowledge.mean() + 0.2


def test_levers_change_rigour_and_hierarchy_from_then_on() -> None:
    model = CommunityModel(None, **SMALL, tension_gain=0.2)
    model.run(2)
    model.intervene("set_rigour", verifications=3)
    model.intervene("set_goal_hierarchy", value=1.0)
    assert model.world.param("verifications_required") == 3
    assert model.world.param("goal_hierarchy") == 1.0
    with pytest.raises(ConfigError, match="verifications"):
        model.intervene("set_rigour", verifications=0)


def test_rigour_beyond_the_queues_patience_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"verifications_required.*at most insight_ttl = 5"):
        load_config(None, verifications_required=6)


def test_counters_carry_over_rows_not_kept() -> None:
    """With rows every 5 steps, a mechanism's counter sums its steps; off, it is no column."""
    for params in ({"tension_gain": 0.2, "research_noise": 0.3}, {}):
        every = CommunityModel(None, **SMALL, **params)
        every.run(20)
        thinned = CommunityModel(None, **SMALL, **params)
        thinned.run(20, record_every=5)
        a, b = every.model_frame(), thinned.model_frame()
        for column in {"wrong_codifications", "insights_codified"} & set(a.columns):
            assert b[column].sum() == a[column].sum()


def test_the_app_charts_the_mechanism_only_where_it_is_on() -> None:
    from commsim.app import charts

    def charted(model: CommunityModel) -> set[str]:
        plots = charts.plots(model.n_levels, model.catalogue, model.config)
        return {metric for plot in plots for metric, _ in plot.series}

    on = CommunityModel(None, **SMALL, tension_gain=0.2)
    assert charted(on) >= TENSION_COLUMNS
    assert not charted(CommunityModel(None, **SMALL)) & TENSION_COLUMNS
