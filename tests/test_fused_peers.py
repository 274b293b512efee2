"""Peer learning and mentoring compiled give exactly the numbers of their NumPy phases."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from commsim.model import CommunityModel

from .fused_check import assert_same_run, compiled_phases, phase_runs
from .orgs import TITLES, clustered_collaboration, uneven_chart

if TYPE_CHECKING:
    from commsim.model.world import World

DEFAULT = "configs/default.toml"
SMALL = {"n_agents": 120}

#: each switches on a branch of the stand-ins; the counts its phases must show there
VARIANTS: dict[str, tuple[dict[str, Any], dict[str, tuple[str, ...]]]] = {
    "default": ({}, {"peers": ("flows", "cross_role_flows"), "mentoring": ("mentorings",)}),
    # members with nobody to copy or coach: the draws go on, the flows stop
    "isolated members": (
        {"network": "random", "network_degree": 1, "neighbour_learning_rate": 0.3},
        {"peers": ("flows",), "mentoring": ("mentorings",)},
    ),
    # learning rates raised past 1 / neighbour_learning_rate: the chance to copy is capped
    "keen, jumping learners": (
        {
            "neighbour_learning_rate": 0.8,
            "max_learning_rate": 4.0,
            "mentoring_learning_gain": 0.5,
            "socialisation_mode": "jump",
        },
        {"peers": ("flows", "cross_role_flows"), "mentoring": ("mentorings",)},
    ),
    # insights behind the code: copies that adopt them
    "insights adopted": (
        {"neighbour_learning_rate": 0.5, "verification_capacity": 20, "research_noise": 0.0},
        {"peers": ("insights_adopted",)},
    ),
    # the walls shut at step 10 (the live integration), coaches trained at step 15
    "walls shut, coaches trained": (
        {
            "capacity_builder_share": 0.0,
            "practitioner_share": 0.8,
            "interventions": [
                {"step": 10, "action": "set_integration", "value": 0.0},
                {"step": 15, "action": "add_capacity_builders", "share": 0.3},
            ],
        },
        {"peers": ("flows",), "mentoring": ("mentorings",)},
    ),
    # turnover resets learning rates; the peers' chance follows them
    "turnover": ({"turnover_rate": 0.1}, {"peers": ("flows",), "mentoring": ("mentorings",)}),
    # no walls: every flow gets through; no mentoring phase
    "community off": (
        {"community": False, "neighbour_learning_rate": 0.5},
        {"peers": ("flows",)},
    ),
}


def events(model: CommunityModel, phase: str, steps: int = 5) -> Counter[str]:
    """What ``phase`` (as the model runs it) counts over ``steps`` more steps of ``model``."""
    run, tally = phase_runs(model, phase), Counter[str]()

    def counted(world: World) -> None:
        before = dict(world.counts)
        run(world)
        tally.update({name: world.counts[name] - before[name] for name in before})

    model._active = tuple(replace(p, run=counted) if p.name == phase else p for p in model._active)
    for _ in range(steps):
        model.step()
    return tally


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
@pytest.mark.parametrize("seed", [0, 5])
def test_compiled_peers_and_mentoring_give_the_phases_numbers(variant: str, seed: int) -> None:
    overrides, shown = VARIANTS[variant]
    fused = assert_same_run(DEFAULT, seed, 30, expect="peers", **SMALL, **overrides)
    ours = {"peers", "mentoring"} if fused.config.community else {"peers"}
    assert ours <= set(compiled_phases(fused))
    for phase, counters in shown.items():
        counted = events(fused, phase)
        assert all(counted[name] > 0 for name in counters), (phase, counted)


@pytest.mark.parametrize("seed", [1, 2])
def test_no_coaches_and_no_peer_learning_draw_nothing_but_the_key(seed: int) -> None:
    """Mentoring draws its key even with nobody to coach; peer learning off draws nothing."""
    overrides = {"capacity_builder_share": 0.0, "practitioner_share": 0.8}
    fused = assert_same_run(
        DEFAULT, seed, 20, expect="mentoring", neighbour_learning_rate=0.0, **SMALL, **overrides
    )
    assert "peers" in compiled_phases(fused)
    assert fused.model_frame().mentorings.sum() == 0


def test_weighted_ties_and_other_rules_keep_the_numpy_phases() -> None:
    chart = uneven_chart()
    fused = assert_same_run(
        None, 3, 15, org_chart=chart, org_chart_roles=TITLES,
        collaboration=clustered_collaboration(chart), neighbour_learning_rate=0.3,
    )  # fmt: skip
    assert not {"peers", "mentoring"} & set(compiled_phases(fused))
    unweighted = clustered_collaboration(chart, weighted=False)
    fused = assert_same_run(
        None, 3, 15, expect="peers", org_chart=chart, org_chart_roles=TITLES,
        collaboration=unweighted, neighbour_learning_rate=0.3,
    )  # fmt: skip
    assert "mentoring" in compiled_phases(fused)
    fused = assert_same_run(
        DEFAULT, 4, 15, expect="mentoring", peer_learning="superior_majority", **SMALL
    )
    assert "peers" not in compiled_phases(fused)
