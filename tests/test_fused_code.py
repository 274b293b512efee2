"""Turbulence and code learning compiled give exactly the numbers of their phases."""

from __future__ import annotations

from typing import Any

import pytest

from commsim.model import CommunityModel

from .conftest import CONFIGS
from .fused_check import Fused, assert_same_run, compiled_phases

DEFAULT = CONFIGS / "default.toml"

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "by knowledge, jumps": {"superior_basis": "knowledge", "socialisation_mode": "jump"},
    "hero, steep gradient": {"leadership": "hero", "authority_gradient": 0.5},
    "walls without voice": {"voice": False, "integration": 0.2},
    "voice without walls": {"community": False, "turbulence_rate": 0.1},
    "reporting, tacit": {"willingness_loss": 0.2, "tacit_share": 0.3},
}


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
@pytest.mark.parametrize("seed", [0, 3])
def test_compiled_code_learning_gives_the_phases_numbers(variant: str, seed: int) -> None:
    model = assert_same_run(
        DEFAULT, seed, 40, expect="code_learning", n_agents=120, **VARIANTS[variant]
    )
    frame = model.model_frame()
    assert frame.code_changes.sum() > 0 and frame.superior_group.max() > 0


def test_turbulence_is_compiled_where_it_flips_march_s_reality() -> None:
    model = assert_same_run(DEFAULT, 1, 30, expect="turbulence", n_agents=60, turbulence_rate=0.2)
    assert (
        model.environment.target.tolist()
        != CommunityModel(DEFAULT, seed=1, n_agents=60).environment.target.tolist()
    )


def test_a_landscape_keeps_its_own_turbulence_and_code_learning() -> None:
    model = Fused(DEFAULT, seed=0, n_agents=60, task="nk", nk_k=2, m=10)
    assert not {"turbulence", "code_learning"} & set(compiled_phases(model))
