"""The voice phase compiled (``fused/voice.py``) gives exactly the numbers of ``speak_up``."""

from __future__ import annotations

from typing import Any

import pytest

from commsim.model import CommunityModel

from .conftest import CONFIGS
from .fused_check import Fused, assert_same_run, compiled_phases

DEFAULT = CONFIGS / "default.toml"
SMALL = {"n_agents": 120, "agent_sample_size": 0}

#: a variant's overrides, and the counters that must be > 0 over its run (its branches taken)
VARIANTS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "hero": ({"leadership": "hero"}, ("insights_voiced", "insights_punished")),
    "hero, no community": (
        {"leadership": "hero", "community": False},
        ("insights_voiced", "insights_verified"),
    ),
    "community off": ({"community": False}, ("insights_voiced", "insights_punished")),
    "punitive": ({"punitiveness": 0.8}, ("insights_punished",)),
    "steep gradient": ({"authority_gradient": 0.7}, ("insights_voiced", "insights_suppressed")),
    "short ttl": ({"insight_ttl": 1}, ("insights_suppressed",)),
    "willingness to report": (
        {"voice_cost": 0.05, "willingness_gain": 0.1, "willingness_loss": 0.2},
        ("insights_voiced", "reports_closed"),
    ),
    "levers, turnover": (
        {
            "turnover_rate": 0.05,
            "interventions": [
                {"step": 8, "action": "flatten_hierarchy"},
                {"step": 12, "action": "set_punitiveness", "value": 0.9},
                {"step": 16, "action": "raise_safety", "amount": 0.3},
            ],
        },
        ("insights_punished", "departures"),
    ),
}


def _taken(model: CommunityModel, counters: tuple[str, ...]) -> None:
    frame = model.model_frame()
    for name in counters:
        assert frame[name].sum() > 0, name


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_default_gives_the_phases_numbers(seed: int) -> None:
    model = assert_same_run(DEFAULT, seed, 35, expect="voice", **SMALL)
    _taken(model, ("insights_voiced", "insights_punished", "insights_suppressed"))


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_variant_gives_the_phases_numbers(variant: str) -> None:
    overrides, counters = VARIANTS[variant]
    model = assert_same_run(DEFAULT, 3, 35, expect="voice", **SMALL, **overrides)
    _taken(model, counters)


def test_voice_off_runs_no_stand_in() -> None:
    """The stand-in covers every run the phase runs in; without voice there is none."""
    model = Fused(DEFAULT, seed=0, voice=False, **SMALL)
    assert "voice" not in compiled_phases(model)


def test_the_climate_drifts_compiled_with_the_phases_numbers() -> None:
    overrides = VARIANTS["levers, turnover"][0]
    model = assert_same_run(
        DEFAULT, 2, 30, expect="climate", climate_drift=0.3, **SMALL, **overrides
    )
    assert model.model_frame().mean_safety.diff().abs().max() > 0.01
    assert "climate" not in compiled_phases(Fused(DEFAULT, seed=0, climate_drift=0.0))
