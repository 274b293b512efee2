"""Exploring compiled (``fused/explore.py``) gives exactly the numbers of ``practice.explore``."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import CONFIGS
from .fused_check import Fused, assert_same_run, compiled_phases

DEFAULT = CONFIGS / "default.toml"
SMALL = {"n_agents": 120}

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "fear": {"exploration_fear": 0.9, "initial_safety": 0.4},
    # a lever lifts fear mid-run; and fear set by a lever where the config has none (uncounted)
    "fear lifted": {
        "exploration_fear": 0.9,
        "interventions": [{"step": 20, "action": "set_exploration_fear", "value": 0.0}],
    },
    "fear uncounted": {
        "interventions": [{"step": 10, "action": "set_exploration_fear", "value": 0.8}],
    },
    # a lever makes coaches of practitioners mid-run: they stop exploring
    "coaches added": {
        "interventions": [{"step": 15, "action": "add_capacity_builders", "share": 0.5}],
    },
    "voice off": {"voice": False},  # insights go straight to verification
    "nobody takes them": {"voice": False, "community": False},  # nor into the pool
    # the goals set the rate each step (in scratch): 2 * effort * exploration_rate
    "tension": {
        "tension_gain": 0.2,
        "learning_goal": 0.8,
        "performance_goal": 0.8,
        "goal_hierarchy": 0.7,
    },
    "rate 0": {"exploration_rate": 0.0, "exploration_fear": 0.5},
}


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
@pytest.mark.parametrize("seed", [0, 5])
def test_a_fused_explore_gives_the_phase_s_numbers(variant: str, seed: int) -> None:
    fused = assert_same_run(DEFAULT, seed, 40, expect="explore", **SMALL, **VARIANTS[variant])
    frame = fused.model_frame()
    assert (frame.insights_generated.sum() > 0) == (variant != "rate 0")
    if variant in ("fear", "fear lifted"):  # fear holds some back (counted), till lifted
        forgone = frame.set_index("step").experiments_forgone
        assert forgone.sum() > 0 and (variant == "fear" or forgone[20:].sum() == 0)
    if variant == "fear uncounted":
        assert fused.world.live["exploration_fear"] == 0.8 and "experiments" not in frame
    if variant == "nobody takes them":
        assert fused.ledger.pool_size == 0 < fused.ledger.count
    if variant == "tension":
        effort = frame.exploration_effort
        assert (effort.iloc[1:] != 0.5).all()  # the rate is not the config's (seed 5: 0 a while)


@pytest.mark.parametrize(
    "task", [{"task": "nk", "m": 10, "nk_k": 2}, {"units": 3}], ids=["nk", "units"]
)
def test_other_tasks_keep_the_phase(task: dict[str, Any]) -> None:
    assert "explore" not in compiled_phases(Fused(DEFAULT, **SMALL, **task))
    assert_same_run(DEFAULT, 2, 20, **SMALL, **task)
