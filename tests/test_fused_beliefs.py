"""Acting and socialisation compiled give exactly the numbers of their phases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commsim.model import kernels
from commsim.model.fused.beliefs import SPARSE, socialise_columns
from commsim.model.learning import socialise_beliefs

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


@pytest.mark.parametrize("n", [1, 7, 64, 500])
@pytest.mark.parametrize("gradual", [True, False])
@pytest.mark.parametrize("source_role", [2, -1])
def test_socialising_column_by_column_is_the_kernel(
    n: int, gradual: bool, source_role: int
) -> None:
    """Settled columns (few beliefs differ: tried one by one) and unsettled ones (the
    branch-free pass), side by side: the kernel's moves, counts and trials exactly."""
    rng = np.random.default_rng(n)
    m = 24
    code = rng.integers(-1, 2, size=m).astype(np.int8)
    share = np.linspace(0.0, 0.6, m)  # per column, the share of beliefs that differ
    share[::5] = SPARSE  # at the switch itself
    start = np.asfortranarray(np.broadcast_to(code, (n, m)).copy())
    flip = rng.random((n, m)) < share
    start[flip] = rng.integers(-1, 2, size=int(flip.sum())).astype(np.int8)
    rate = rng.choice([0.0, 0.3, 1.0], size=n)
    args = (
        code, rate, rng.uniform(1.0, 3.0, size=n), rng.integers(0, 3, size=n).astype(np.int8),
        np.array([0.4, 0.7, 1.0]), source_role, kernels.draw_key(rng), gradual, rng.random(m) < 0.5,
    )  # fmt: skip
    ours, theirs = start.copy(order="F"), start.copy(order="F")
    assert socialise_columns(ours, *args) == socialise_beliefs.twin(theirs, *args)
    np.testing.assert_array_equal(ours, theirs)
    if n >= 64:
        assert (ours != start).any()
