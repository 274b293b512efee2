"""Just culture (docs/MODEL.md 7.19): failures, reports, attributions and their consequences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commsim.config import ConfigError, load_config
from commsim.model import CommunityModel
from commsim.model.just_culture import (
    START_CARELESSNESS,
    culture,
    report_incidents,
    respond,
    strike,
)
from commsim.model.turnover import replace_members

# every member safe and heard: each failure is reported (no authority gradient)
OPEN = {"n_agents": 60, "initial_safety": 1.0, "authority_gradient": 0.0, "climate_drift": 0.0}


def world_after(steps: int = 1, **params: Any) -> Any:
    """A small organisation with incidents on, after ``steps`` of its incident phase alone."""
    model = CommunityModel(None, seed=3, agent_sample_size=0, **(OPEN | params))
    for _ in range(steps):
        report_incidents(model.world)
    return model.world


def test_idle_by_default_no_phase_no_columns() -> None:
    model = CommunityModel(None, n_agents=30, seed=1, agent_sample_size=0)
    assert "incidents" not in [p.name for p in model._active]
    model.run(3)
    assert "incidents" not in model.model_frame()
    assert "just_culture" not in model.world.extra


def test_failures_come_at_the_configured_rate_and_share_at_the_start() -> None:
    world = world_after(incident_rate=0.3, system_cause_share=0.25, n_agents=2000)
    counts = world.counts
    assert counts["incidents"] == pytest.approx(600, abs=80)  # 0.3 x 2000, 4 sd
    assert counts["negligent_incidents"] / counts["incidents"] == pytest.approx(0.75, abs=0.07)


def test_seeing_leaders_attribute_every_report_correctly() -> None:
    unpunished = {"punishment_penalty": 0.0, "blame_contagion": 0.0}  # safety stays 1
    world = world_after(steps=5, incident_rate=0.2, attribution_accuracy=1.0, **unpunished)
    counts = world.counts
    assert counts["incidents_reported"] == counts["incidents"] > 0  # no gradient either
    assert counts["incidents_correctly_attributed"] == counts["incidents_reported"]
    assert counts["incidents_blamed"] == counts["negligent_incidents"]


def test_blame_culture_blames_everyone_and_fixes_nothing() -> None:
    world = world_after(steps=5, incident_rate=0.2, attribution_accuracy=0.0, blame_bias=1.0)
    counts = world.counts
    assert counts["incidents_blamed"] == counts["incidents_reported"] > 0
    assert counts["incidents_reported"] < counts["incidents"]  # blame silences the next ones
    assert counts["flaws_fixed"] == 0
    assert culture(world).open.all()
    assert culture(world).carelessness.mean() < START_CARELESSNESS  # mostly sanctioned
    assert world.state.safety.mean() < 0.9  # reporters punished, their teams too


def test_no_accountability_fixes_flaws_and_breeds_carelessness() -> None:
    world = world_after(steps=5, incident_rate=0.2, attribution_accuracy=0.0, blame_bias=0.0)
    jc = culture(world)
    assert world.counts["incidents_blamed"] == 0
    assert world.counts["flaws_fixed"] > 0 and not jc.open.all()
    assert (jc.carelessness >= START_CARELESSNESS).all() and jc.carelessness.max() > 0.5
    assert (world.state.safety == 1.0).all()


def test_an_unfixed_flaw_fails_again_as_a_repeat() -> None:
    world = world_after(steps=10, incident_rate=0.3, system_cause_share=1.0, blame_bias=1.0)
    counts = world.counts
    assert counts["repeat_incidents"] > 0
    assert counts["negligent_incidents"] == 0
    assert culture(world).struck.any()


def test_strike_takes_the_nth_open_slot() -> None:
    world = world_after(steps=0, incident_rate=0.1, flaws_per_team=3)
    jc = culture(world)
    jc.open[0] = [True, False, True]
    slots = strike(jc, np.array([0, 0, 0]), np.array([0.0, 0.49, 0.51]))
    assert slots.tolist() == [0, 0, 2]


def test_blame_lowers_the_teams_safety() -> None:
    world = world_after(steps=0, incident_rate=0.1, blame_contagion=0.5, punishment_penalty=0.0)
    jc = culture(world)
    blamed = np.array([int(np.flatnonzero(jc.team == jc.team[5])[0])])
    respond(world, jc, np.array([], dtype=np.int64), blamed)
    team = jc.team == jc.team[blamed[0]]
    others = team.copy()
    others[blamed] = False
    assert (world.state.safety[others] == 0.5).all()
    assert (world.state.safety[~others] == 1.0).all()


def test_a_newcomer_starts_at_the_starting_carelessness() -> None:
    world = world_after(steps=0, incident_rate=0.1)
    culture(world).carelessness[:] = 0.9
    replace_members(world, np.array([2, 7]))
    assert culture(world).carelessness[[2, 7]].tolist() == [START_CARELESSNESS] * 2
    assert culture(world).carelessness[3] == 0.9


def test_levers_set_the_bias_and_train_accuracy_up_to_one() -> None:
    model = CommunityModel(None, n_agents=30, seed=1, incident_rate=0.1, agent_sample_size=0)
    model.intervene("set_accountability", value=0.9)
    model.intervene("train_just_culture", amount=0.2)
    assert model.world.param("blame_bias") == 0.9
    assert model.world.param("attribution_accuracy") == pytest.approx(0.9)
    model.intervene("train_just_culture", amount=0.5)
    assert model.world.param("attribution_accuracy") == 1.0


def test_runs_after_marchs_block_in_marchs_model() -> None:
    march = {"community": False, "voice": False, "exploration_rate": 0.0}
    model = CommunityModel(
        None, n_agents=40, seed=2, incident_rate=0.1, agent_sample_size=0, **march
    )
    assert [p.name for p in model._active][-1] == "incidents"
    model.run(5, record_every=2)
    frame = model.model_frame()
    assert frame["incidents"].sum() > 0 and frame["reporting_rate"].notna().any()


def test_a_wrong_rate_is_one_line_naming_the_field() -> None:
    with pytest.raises(ConfigError, match="incident_rate") as caught:
        load_config(None, incident_rate=0.7)
    assert "\n" not in str(caught.value)
