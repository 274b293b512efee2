"""Fear stops experiments, and heroes erode capacity (docs/MODEL.md 7.24): the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commsim.config import ConfigError, load_config
from commsim.levers import LEVERS
from commsim.model import kernels
from commsim.model.fear import explorers, rely_on_hero
from commsim.model.model import CommunityModel

SMALL = {"n_agents": 60, "steps": 20, "agent_sample_size": 0}
FEAR_COLUMNS = {"experiments", "experiments_forgone"}
HERO_COLUMNS = {"others_learning_rate", "hero_share"}


def frame(**params: object) -> pd.DataFrame:
    model = CommunityModel(None, **(SMALL | params))
    model.run()
    return model.model_frame()


def test_idle_at_its_defaults_and_its_columns_only_where_on() -> None:
    """Fear 0 and dependence 0 set explicitly are the model without them, number for number,
    and neither adds a column."""
    plain = frame(seed=3, leadership="hero")
    idle = frame(seed=3, leadership="hero", exploration_fear=0.0, hero_dependence=0.0)
    pd.testing.assert_frame_equal(plain, idle)
    assert not (FEAR_COLUMNS | HERO_COLUMNS) & set(plain.columns)
    on = frame(seed=3, leadership="hero", exploration_fear=0.5, hero_dependence=0.01)
    assert set(on.columns) >= (FEAR_COLUMNS | HERO_COLUMNS)
    collective = frame(seed=3, hero_dependence=0.01)  # no hero: nothing to rely on
    pd.testing.assert_frame_equal(collective, frame(seed=3))


def test_fear_lowers_each_members_chance_by_its_safety_and_counts_what_it_stopped() -> None:
    model = CommunityModel(None, **SMALL, exploration_fear=0.8)
    world = model.world
    world.state.safety[:] = np.linspace(0.0, 1.0, world.state.n)
    world.counts.update(experiments=0, experiments_forgone=0)
    p = np.full(world.state.n, 0.5)
    key = np.uint64(12345)
    dared = explorers(world, p, key)
    expected = kernels.bernoulli_rows(p * (1 - 0.8 * (1 - world.state.safety)), key)
    would = kernels.bernoulli_rows(p, key)
    np.testing.assert_array_equal(dared, expected)
    assert set(dared) <= set(would)  # the same numbers: fear only ever stops a trial
    assert world.counts["experiments"] == dared.size
    assert world.counts["experiments_forgone"] == would.size - dared.size


def test_fear_makes_exploration_as_rare_as_safety_is_low() -> None:
    """Many trials: the share exploring is rate × (1 − fear × (1 − safety))."""
    model = CommunityModel(None, **SMALL, exploration_fear=1.0)
    world = model.world
    n, trials = world.state.n, 400
    world.state.safety[:] = 0.25
    hits = sum(explorers(world, np.full(n, 0.4), np.uint64(k)).size for k in range(trials)) / (
        n * trials
    )
    assert hits == pytest.approx(0.4 * 0.25, abs=0.01)  # sd about 0.002


def test_each_decision_of_the_hero_erodes_the_others_not_the_hero() -> None:
    model = CommunityModel(None, **SMALL, leadership="hero", hero_dependence=0.1)
    world, state = model.world, model.world.state
    state.learning_rate[:] = 1.5
    state.safety[:] = 0.8
    world.counts.update(insights_verified=2, insights_refuted=1)
    rely_on_hero(world)
    others = np.arange(state.n) != world.top
    keep = 0.9**3
    np.testing.assert_allclose(state.learning_rate[others], 0.5 + (1.5 - 0.5) * keep)
    np.testing.assert_allclose(state.safety[others], 0.8 * keep)
    assert state.learning_rate[world.top] == 1.5 and state.safety[world.top] == 0.8


def test_erosion_falls_to_the_floor_and_coaches_raise_it_again() -> None:
    eroded = frame(seed=1, n_agents=100, steps=80, leadership="hero", hero_dependence=0.02)
    assert eroded["others_learning_rate"].iloc[-1] < 0.8
    assert eroded["others_learning_rate"].min() >= 0.5  # the floor
    coached = frame(
        seed=1,
        n_agents=100,
        steps=80,
        leadership="hero",
        hero_dependence=0.02,
        interventions=[{"step": 40, "action": "add_capacity_builders", "share": 0.5}],
    )
    assert coached["others_learning_rate"].iloc[-1] > eroded["others_learning_rate"].iloc[-1] + 0.1


def test_levers_change_the_rates_and_are_offered_only_where_on() -> None:
    levers = {lever.name: lever for lever in LEVERS}
    fearful = load_config(None, exploration_fear=0.5)
    hero = load_config(None, leadership="hero", hero_dependence=0.01)
    assert levers["set_exploration_fear"].offered(fearful)
    assert not levers["set_exploration_fear"].offered(load_config(None))
    assert levers["set_hero_dependence"].offered(hero)
    assert not levers["set_hero_dependence"].offered(load_config(None, hero_dependence=0.01))
    model = CommunityModel(None, **SMALL, exploration_fear=0.9, initial_safety=0.1)
    model.run(5)
    model.intervene("set_exploration_fear", value=0.0)
    model.run(5)
    forgone = model.model_frame()["experiments_forgone"]
    assert forgone.iloc[1:6].sum() > 0 and forgone.iloc[6:].sum() == 0


def test_a_wrong_value_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"field 'exploration_fear'.*less than or equal to 1"):
        load_config(None, exploration_fear=1.5)
    with pytest.raises(ConfigError, match="field 'hero_learning_floor'"):
        load_config(None, hero_learning_floor=-0.1)
