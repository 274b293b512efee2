"""Verification compiled (``fused/verify.py``) gives exactly the numbers of the phase."""

from __future__ import annotations

from typing import Any

import pytest

from commsim.model import CommunityModel
from commsim.model.fused import verify

from .conftest import CONFIGS
from .fused_check import Fused, assert_same_run, compiled_phases

DEFAULT = CONFIGS / "default.toml"
SMALL: dict[str, Any] = {"n_agents": 120}


def events(model: CommunityModel, event: str) -> int:
    """How many ``event`` events the run logged."""
    return int((model.insight_frame().event == event).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_default_run(seed: int) -> None:
    model = assert_same_run(DEFAULT, seed, 40, expect="verify", **SMALL)
    assert events(model, "walled") > 0 and events(model, "refuted") > 0
    assert events(model, "superseded") > 0


VARIANTS: dict[str, dict[str, Any]] = {
    "walled": {"integration": 0.1},
    "tacit": {"tacit_share": 0.4},
    "no researcher": {"practitioner_share": 0.9, "researcher_share": 0.0},
    # tension_shown: codification delays and wrong codifications are recorded
    "tension": {"tension_gain": 0.2},
    # levers: the walls move, and rigour (the phase's own path) comes and goes
    "levers": {
        "tension_gain": 0.2,
        "interventions": [
            {"step": 8, "action": "set_integration", "value": 0.3},
            {"step": 12, "action": "set_rigour", "verifications": 2},
            {"step": 24, "action": "set_rigour", "verifications": 1},
        ],
    },
}


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_the_branches(variant: str) -> None:
    model = assert_same_run(DEFAULT, 3, 40, expect="verify", **SMALL, **VARIANTS[variant])
    frame = model.model_frame()
    if variant == "no researcher":
        assert frame.insights_walled.sum() > 0 and frame.insights_verified.sum() == 0
    else:
        assert frame.insights_codified.sum() > 0
    if variant == "tacit":
        assert not model.state.code[: round(0.4 * model.config.m)].any()


@pytest.mark.parametrize(
    "overrides",
    [
        {"insight_ttl": 1},  # the unserved expire
        {"insight_ttl": 3, "tension_gain": 0.2},  # they wait, and are served later
    ],
    ids=str,
)
def test_over_capacity_the_phase_runs(
    overrides: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verifier over capacity: the phase draws its permutation; the other steps stay
    compiled."""
    fallbacks = []
    phase = verify.verify_and_codify
    monkeypatch.setattr(verify, "verify_and_codify", lambda world: fallbacks.append(phase(world)))
    model = assert_same_run(
        DEFAULT, 4, 40, expect="verify", verification_capacity=1, **SMALL, **overrides
    )
    assert model.model_frame().insights_codified.sum() > 0
    if overrides["insight_ttl"] == 1:
        assert events(model, "expired") > 0
    assert 0 < len(fallbacks) < 40


@pytest.mark.parametrize(
    "why", [{"leadership": "hero"}, {"task": "nk", "m": 12}, {"units": 3}], ids=str
)
def test_other_runs_keep_the_phase(why: dict[str, Any]) -> None:
    model = Fused(DEFAULT, seed=0, **SMALL, **why)
    assert "verify" not in compiled_phases(model)
    assert_same_run(DEFAULT, 0, 20, **SMALL, **why)
