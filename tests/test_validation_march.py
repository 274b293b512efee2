"""March (1991) validation, small form: the published Figure 1 values and the signs of Figures 4-5.

The full reproduction (1,000 runs per point) is ``experiments/validation/march1991.py``;
docs/VALIDATION.md section 1. These use a few dozen fixed seeds and tolerances of several
standard errors, so they pass on the model as it is and fail if the March special case drifts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commsim.model.model import CommunityModel

ROOT = Path(__file__).resolve().parents[1]
MARCH = ROOT / "configs" / "march1991.toml"
PUBLISHED = ROOT / "experiments" / "validation" / "published" / "march1991_fig1.csv"


def knowledge(seeds: range, **params: object) -> np.ndarray:
    """The code's knowledge at the end of each run (equilibrium unless ``steps`` is given)."""
    if "steps" in params:
        params["stop_at_equilibrium"] = False
    out = []
    for seed in seeds:
        model = CommunityModel(MARCH, seed=seed, **params)
        model.run()
        out.append(model.model_frame().code_knowledge.iloc[-1])
    return np.array(out)


def paired_z(before: np.ndarray, after: np.ndarray) -> float:
    """Mean paired difference over its standard error (same seeds in both arms)."""
    diff = after - before
    return diff.mean() / (diff.std(ddof=1) / np.sqrt(diff.size))


@pytest.mark.parametrize("p2", [0.1, 0.5, 0.9])
def test_figure_1_matches_the_published_values(p2: float) -> None:
    """Equilibrium knowledge within 4 SE + 0.01 of the published reproduction (10,000 runs)."""
    published = pd.read_csv(PUBLISHED).set_index(["p1", "p2"])["code_knowledge"]
    for p1 in (0.1, 0.5, 0.9):
        ours = knowledge(range(30), socialisation_rate=p1, code_learning_rate=p2)
        se = ours.std(ddof=1) / np.sqrt(ours.size)
        assert abs(ours.mean() - published[p1, p2]) < 4 * se + 0.01, (p1, p2, ours.mean())


def test_figure_4_moderate_turnover_helps_fast_socialisation_only() -> None:
    """Period 20, p2 = 0.5: p3 = 0.1 raises knowledge at p1 = 0.9 (~+0.09), not at p1 = 0.1."""
    seeds = range(30)
    fast = {"socialisation_rate": 0.9, "code_learning_rate": 0.5, "steps": 20}
    slow = fast | {"socialisation_rate": 0.1}
    assert paired_z(knowledge(seeds, **fast), knowledge(seeds, **fast, turnover_rate=0.1)) > 3
    assert paired_z(knowledge(seeds, **slow), knowledge(seeds, **slow, turnover_rate=0.1)) < 2


def test_figure_5_turnover_sustains_knowledge_in_a_turbulent_world() -> None:
    """p4 = 0.02, p1 = p2 = 0.5: by period 100 knowledge has decayed near 0 without turnover
    and stays about 0.5 higher with p3 = 0.1."""
    seeds = range(20)
    world = {"socialisation_rate": 0.5, "code_learning_rate": 0.5, "turbulence_rate": 0.02}
    still = knowledge(seeds, **world, steps=100)
    moving = knowledge(seeds, **world, steps=100, turnover_rate=0.1)
    assert still.mean() < 0.2
    assert paired_z(still, moving) > 5
