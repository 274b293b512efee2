"""March (1991) as an exact special case: the preset and the paper's qualitative findings."""

from __future__ import annotations

import numpy as np

from commsim.config import load_config
from commsim.model.model import CommunityModel


def equilibrium_knowledge(p1: float, p2: float, seeds: range, **extra: object) -> np.ndarray:
    out = []
    for seed in seeds:
        model = CommunityModel(
            "configs/march1991.toml",
            socialisation_rate=p1,
            code_learning_rate=p2,
            seed=seed,
            **extra,
        )
        model.run()
        out.append(model.model_frame().code_knowledge.iloc[-1])
    return np.array(out)


def test_preset_is_marchs_model() -> None:
    cfg = load_config("configs/march1991.toml")
    assert (cfg.n_agents, cfg.m) == (50, 30)
    assert not (cfg.voice or cfg.community)
    assert cfg.exploration_rate == cfg.neighbour_learning_rate == 0.0
    model = CommunityModel(cfg)
    model.run()
    df = model.model_frame()
    # nothing but March's two learning rules moved anything
    assert df.insights_generated.sum() == df.cross_role_flows.sum() == df.mentorings.sum() == 0
    assert (df.code_knowledge.iloc[0], df.mean_knowledge.abs().iloc[0] < 0.2) == (0.0, True)


def test_runs_to_a_stable_equilibrium_before_the_step_limit() -> None:
    model = CommunityModel("configs/march1991.toml", seed=3)
    model.run()
    assert not model.running and model.at_equilibrium()
    assert model.steps < model.config.steps
    # at equilibrium all individuals and the code share the same beliefs (March 1991: 75)
    assert (model.state.beliefs == model.state.code).all()


def test_slow_socialisation_gives_higher_equilibrium_knowledge_with_fast_code_learning() -> None:
    """March's Figure 1: for p2 = 0.9, p1 = 0.1 beats p1 = 0.9 clearly (~0.96 vs ~0.72)."""
    slow = equilibrium_knowledge(0.1, 0.9, range(40))
    fast = equilibrium_knowledge(0.9, 0.9, range(40))
    se = np.sqrt(slow.var(ddof=1) / slow.size + fast.var(ddof=1) / fast.size)
    assert slow.mean() - fast.mean() > 5 * se
    assert slow.mean() > 0.9 and fast.mean() < 0.8


def test_fast_code_learning_helps_only_with_slow_socialisation() -> None:
    """The curves of Figure 1 cross: p2 = 0.9 beats p2 = 0.1 at p1 = 0.1, not at p1 = 0.9."""
    seeds = range(40)
    assert (
        equilibrium_knowledge(0.1, 0.9, seeds).mean()
        > equilibrium_knowledge(0.1, 0.1, seeds).mean()
    )
    assert (
        equilibrium_knowledge(0.9, 0.9, seeds).mean()
        < equilibrium_knowledge(0.9, 0.1, seeds).mean()
    )


def test_turbulence_erodes_code_knowledge_without_turnover() -> None:
    """March's turbulence result: knowledge decays when nothing brings in new views."""
    calm = equilibrium_knowledge(0.5, 0.5, range(15), stop_at_equilibrium=False, steps=200)
    rough = equilibrium_knowledge(
        0.5, 0.5, range(15), stop_at_equilibrium=False, steps=200, turbulence_rate=0.02
    )
    assert rough.mean() < calm.mean() - 0.3


def test_a_mix_of_fast_and_slow_learners_beats_an_all_fast_population() -> None:
    """March's heterogeneity result (p1 = 0.9 fast, 0.1 slow, p2 = 0.5, N = 50, m = 30).

    Over 400 seeds (mean ± SE) equilibrium code knowledge falls steadily with the number of
    fast learners, from 0.954 ± 0.003 with none through 0.930 (10 fast), 0.905 (25) and
    0.841 (40) to 0.739 ± 0.005 with all 50: any mix beats the all-fast population, and in
    this model no mix beats the all-slow one. With these 40 seeds the mixes of 10 and 25
    lead the all-fast population by 0.19 and 0.17, about 10 and 8 standard errors.
    """
    seeds = range(40)
    all_fast = equilibrium_knowledge(0.1, 0.5, seeds, fast_learner_share=1.0)
    for fast in (10, 25):
        mix = equilibrium_knowledge(0.1, 0.5, seeds, fast_learner_share=fast / 50)
        se = np.sqrt(mix.var(ddof=1) / mix.size + all_fast.var(ddof=1) / all_fast.size)
        lead = mix.mean() - all_fast.mean()
        assert lead > 5 * se and lead > 0.1, f"{fast} fast of 50: lead {lead:.3f}, se {se:.3f}"


def test_in_a_mix_the_fast_learners_know_more_while_the_code_learns() -> None:
    """Before equilibrium (March's period 20: after 19 steps) the fast learners, who copy the
    code quickly, know far more than the slow ones, whose diversity the code learns from (20
    fast of 50, p2 = 0.5)."""
    gaps = []
    for seed in range(20):
        model = CommunityModel(
            "configs/march1991.toml",
            socialisation_rate=0.1,
            code_learning_rate=0.5,
            fast_learner_share=0.4,
            seed=seed,
            stop_at_equilibrium=False,
            steps=19,
        )
        model.run()
        last = model.model_frame().iloc[-1]
        gaps.append(last.fast_knowledge - last.slow_knowledge)
    gap = np.array(gaps)
    assert gap.mean() > 0.15 and gap.mean() > 5 * gap.std(ddof=1) / np.sqrt(gap.size)
