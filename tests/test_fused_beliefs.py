"""Acting and socialisation compiled give exactly the numbers of their phases."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import CONFIGS
from .fused_check import Fused, assert_same_run, compiled_phases

DEFAULT = CONFIGS / "default.toml"

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "jumps, high integration": {"socialisation_mode": "jump", "integration": 0.9},
    # the code counts as everyone's own role: nothing crosses
    "without walls": {"community": False},
    # the goals scale the rate each step (``socialisation_factor`` in scratch)
    "tension": {"tension_gain": 0.2, "learning_goal": 0.8, "performance_goal": 0.8},
    "fast learners, tacit": {"fast_learner_share": 0.3, "tacit_share": 0.3},
}


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
@pytest.mark.parametrize("seed", [0, 3])
def test_compiled_acting_and_socialisation_give_the_phases_numbers(variant: str, seed: int) -> None:
    model = assert_same_run(
        DEFAULT, seed, 40, expect="socialise", n_agents=120, **VARIANTS[variant]
    )
    assert "act" in compiled_phases(model)
    frame = model.model_frame()
    assert frame.flows.sum() > 0
    if VARIANTS[variant].get("community", True):  # research codifies insights, across walls
        assert frame.insights_adopted.sum() > 0 and frame.cross_role_flows.sum() > 0
    else:
        assert frame.cross_role_flows.sum() == 0


def test_socialisation_draws_nothing_while_the_code_is_empty() -> None:
    # code learning off: the code never holds a view, so socialisation never draws its key
    model = assert_same_run(
        DEFAULT, 2, 15, expect="socialise", n_agents=60, code_learning_rate=0.0, voice=False,
        community=False,
    )  # fmt: skip
    assert not model.state.code.any()


def test_a_landscape_acts_its_own_way_but_socialises_compiled() -> None:
    model = Fused(DEFAULT, seed=0, n_agents=60, task="nk", nk_k=2, m=10)
    compiled = set(compiled_phases(model))
    assert "act" not in compiled and "socialise" in compiled
    assert_same_run(DEFAULT, 0, 20, expect="socialise", n_agents=60, task="nk", nk_k=2, m=10)
