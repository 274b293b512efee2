"""Lazer & Friedman (2007) in small: the fully connected network leads early, the linear one
wins in the end (the full reproduction: experiments/validation/lazer_friedman2007.py)."""

from __future__ import annotations

import numpy as np

from commsim.model.model import CommunityModel

LF = "configs/lazer_friedman2007.toml"
LANDSCAPES = range(12)  # each seed: one landscape and one set of starting solutions
EARLY = 5


def trajectory(network: str, seed: int) -> np.ndarray:
    """Average score per round, carried forward to round 200 after the run settles."""
    model = CommunityModel(LF, network=network, seed=seed)
    model.run()
    scores = model.model_frame()["mean_knowledge"].to_numpy()
    return np.pad(scores, (0, 201 - scores.size), mode="edge")


def test_efficient_networks_lead_early_and_inefficient_ones_win_late() -> None:
    line = np.array([trajectory("line", s) for s in LANDSCAPES])
    complete = np.array([trajectory("complete", s) for s in LANDSCAPES])
    early = complete[:, EARLY] - line[:, EARLY]
    late = line[:, -1] - complete[:, -1]
    # the full study's effects are about two and one sd of the paired differences
    assert early.mean() > 0.1 and (early > 0).mean() >= 0.9
    assert late.mean() > 0.1 and (late > 0).mean() >= 0.6
    # the mean curves cross once, between round 5 and round 60
    diff = (line - complete).mean(axis=0)
    crossing = np.flatnonzero(diff <= 0)[-1] + 1
    assert EARLY < crossing < 60


def test_scores_start_mediocre_and_the_fully_connected_network_settles_fast() -> None:
    model = CommunityModel(LF, network="complete", seed=3)
    assert model.model_frame()["mean_knowledge"].iloc[0] < 0.1  # (fitness / max) ** 8
    model.run()
    assert model.steps < 40
