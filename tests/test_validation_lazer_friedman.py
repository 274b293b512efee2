"""Lazer & Friedman (2007) in small: the fully connected network leads early, the linear one
wins in the end (the full reproduction: experiments/validation/lazer_friedman2007.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


# --- beside the paper's digitised points (experiments/validation/published/) ---------------

PUBLISHED = Path("experiments/validation/published")


def digitised(figure_no: int) -> pd.DataFrame:
    return pd.read_csv(PUBLISHED / f"lazer_friedman2007_fig{figure_no}_digitised.csv", skiprows=1)


def fully_connected(landscapes: range, **overrides: float) -> np.ndarray:
    """Average score per round (rows: landscapes), carried forward to round 40."""
    rows = []
    for seed in landscapes:
        model = CommunityModel(LF, network="complete", seed=seed, **overrides)
        model.run()
        scores = model.model_frame()["mean_knowledge"].to_numpy()
        rows.append(np.pad(scores, (0, 41 - scores.size), mode="edge"))
    return np.array(rows)


def test_the_fully_connected_network_follows_figure_11b() -> None:
    # 60 landscapes: the long-run level's sd across landscapes is ~0.19, so its standard error
    # is ~0.025; 0.06 is 2.4 of them. Under the distinct reading of the K interactions the
    # level sits 0.04-0.05 lower (docs/VALIDATION.md 2).
    runs = fully_connected(range(60))
    fig = digitised(11)
    paper = fig[(fig["panel"] == "B_totally_connected") & (fig["error"] == 0.0)]
    paper = paper.set_index("round")["average_score"]
    ours = runs.mean(axis=0)
    assert ours[1] == pytest.approx(paper[1], abs=0.04)  # the best of 100 random starts
    assert ours[5] == pytest.approx(paper[5], abs=0.05)
    assert ours[30] == pytest.approx(paper[30], abs=0.06)  # the long run (settled by ~15)


def test_copying_error_costs_the_fully_connected_network_only_one_turn() -> None:
    # L&F p. 685 and Fig. 11B: error 0.2 scores 0.191 against 0.248 at round 1, then leads
    # (0.347 against 0.276 at round 2). Ours, 20 landscapes: -0.109 (se 0.012) at round 1,
    # then ahead by +0.02 to +0.05 over rounds 2-5 (docs/VALIDATION.md 2)
    landscapes = range(20)
    perfect, erring = fully_connected(landscapes), fully_connected(landscapes, copy_error=0.2)
    assert (perfect[:, 1] - erring[:, 1]).mean() > 0.05
    assert (erring[:, 2:6] - perfect[:, 2:6]).mean() > 0


def test_round_1_under_error_keeps_what_the_text_s_rule_keeps() -> None:
    # docs/VALIDATION.md 2, "Copying error at round 1": under p. 684's rule (each bit stays
    # the copier's with probability e; a worse mix is dropped) round 1 with error 0.2 keeps
    # 0.52-0.57 of the error-free score on every landscape reading (200 landscapes: 0.56),
    # against Fig. 11B's 0.191 / 0.248 = 0.77, which the rule gives at error 0.1 (0.73).
    # These 20 landscapes: 0.55 and 0.72; a change to the rule moves them out of the bands.
    landscapes = range(20)
    perfect = fully_connected(landscapes)[:, 1].mean()
    kept = {e: fully_connected(landscapes, copy_error=e)[:, 1].mean() / perfect for e in (0.1, 0.2)}
    assert 0.45 < kept[0.2] < 0.65
    assert 0.65 < kept[0.1] < 0.85


@pytest.mark.slow
def test_figure_4_long_run_levels() -> None:
    """The long reproduction: Fig. 4's two plateaus, on 200 landscapes (fully connected) and
    100 (linear, slower); each published value within 0.02 of our mean or inside our 95%
    interval widened by 0.02 (the paper's own figures differ by up to 0.017 on one
    condition's plateau: linear 0.850 in Fig. 11A, 0.867 in Fig. 4)."""
    fig = digitised(4)
    for network, theirs, landscapes in (
        ("complete", "totally_connected", 200),
        ("line", "linear", 100),
    ):
        finals = []
        for seed in range(landscapes):
            model = CommunityModel(LF, network=network, seed=seed, steps=300)
            model.run()
            finals.append(model.model_frame()["mean_knowledge"].iloc[-1])
        mean, half = np.mean(finals), 1.98 * np.std(finals, ddof=1) / np.sqrt(len(finals))
        paper = fig[(fig["network"] == theirs) & (fig["round"] == 100)]["average_score"].item()
        assert abs(mean - paper) <= half + 0.02, (network, mean, paper)
