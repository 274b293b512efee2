"""Each mechanism of the community model, tested by the behaviour it must produce.

Statistical comparisons use fixed seeds and compare averages over several runs, with margins
far larger than the seed-to-seed noise but far smaller than the effect a working rule has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commsim.model.learning import learn_code, step_toward
from commsim.model.model import CommunityModel
from commsim.model.practice import act
from commsim.model.reference import ReferenceModel
from commsim.model.state import CAPACITY_BUILDER, RESEARCHER
from commsim.model.voice import voice_probability

from .conftest import run_model


def mean_over_seeds(column: str, seeds: range = range(4), agg: str = "sum", **params: object):
    values = []
    for seed in seeds:
        _, df = run_model(seed=seed, **params)
        values.append(getattr(df[column].iloc[1:], agg)())
    return float(np.mean(values))


# --- psychological safety and voice ---------------------------------------------------


def test_punitive_managers_lower_voice_and_safety() -> None:
    harsh = dict(punitiveness=0.9, punitiveness_spread=0.0)
    kind = dict(punitiveness=0.0, punitiveness_spread=0.0)
    assert mean_over_seeds("voice_rate_upward", agg="mean", **harsh) < 0.6 * mean_over_seeds(
        "voice_rate_upward", agg="mean", **kind
    )
    assert mean_over_seeds("insights_punished", **harsh) > 50
    assert mean_over_seeds("insights_punished", **kind) == 0
    assert mean_over_seeds("insights_suppressed", **harsh) > 3 * mean_over_seeds(
        "insights_suppressed", **kind
    )
    _, df_harsh = run_model(**harsh)
    _, df_kind = run_model(**kind)
    assert df_harsh.mean_safety.iloc[-1] < 0.3 < 0.8 < df_kind.mean_safety.iloc[-1]


def test_voice_probability_falls_with_the_level_gap() -> None:
    model = CommunityModel(None, n_agents=400, authority_gradient=0.4)
    state = model.state
    state.safety[:] = 0.8
    front = np.flatnonzero(state.level == 0)[:5]
    managers = state.manager[front]
    p_one = voice_probability(model.world, front, managers)
    p_top = voice_probability(model.world, front, np.full(front.size, model.top))
    assert np.allclose(p_one, 0.8 * 0.6)
    gap = int(state.level[model.top])
    assert np.allclose(p_top, 0.8 * 0.6**gap)
    assert (p_top < p_one).all()


def test_a_steeper_authority_gradient_suppresses_more() -> None:
    flat = mean_over_seeds("insights_suppressed", authority_gradient=0.0)
    steep = mean_over_seeds("insights_suppressed", authority_gradient=0.8)
    assert steep > 2 * flat


def test_hero_leadership_bottlenecks_voice_and_codification() -> None:
    common = dict(authority_gradient=0.3, verification_capacity=2, steps=60)
    hero = mean_over_seeds("insights_suppressed", leadership="hero", **common)
    collective = mean_over_seeds("insights_suppressed", leadership="collective", **common)
    assert hero > 2 * collective


def test_safety_drifts_to_the_climate_the_manager_sets() -> None:
    model, _ = run_model(
        steps=150,
        voice=False,
        community=False,
        punitiveness=0.3,
        punitiveness_spread=0.0,
        climate_drift=0.1,
        initial_safety=0.1,
    )
    assert model.state.safety == pytest.approx(0.7, abs=0.01)


# --- practice, research, capacity building and the walls between ----------------------


def test_integration_zero_stops_cross_role_flow() -> None:
    _, walled = run_model(integration=0.0, bridging=5.0)
    _, open_ = run_model(integration=1.0)
    assert walled.cross_role_flows.sum() == 0
    assert walled.insights_walled.sum() > 0
    assert open_.cross_role_flows.sum() > 100
    assert open_.insights_walled.sum() == 0


def test_silos_codify_less_and_know_less() -> None:
    silo = dict(integration=0.0, turbulence_rate=0.02, steps=80)
    joined = dict(integration=1.0, turbulence_rate=0.02, steps=80)
    # research still codifies its own findings inside its silo, but practice's are walled off
    assert mean_over_seeds("insights_codified", **silo) < 0.75 * mean_over_seeds(
        "insights_codified", **joined
    )
    assert mean_over_seeds("mean_knowledge", agg="mean", **silo) < mean_over_seeds(
        "mean_knowledge", agg="mean", **joined
    )


def test_only_practitioners_and_researchers_generate_insights() -> None:
    model, _ = run_model(exploration_rate=0.5, steps=10)
    frame = model.insight_frame()
    holders = frame.loc[frame.event == "generated", "holder"].to_numpy()
    assert holders.size > 100
    assert (model.state.role[holders] != CAPACITY_BUILDER).all()


def test_mentoring_raises_learning_rate_and_safety() -> None:
    params = dict(voice=False, climate_drift=0.0, steps=30)
    coached, _ = run_model(
        mentoring_rate=1.0, capacity_builder_share=0.2, practitioner_share=0.6, **params
    )
    alone, _ = run_model(
        mentoring_rate=0.0, capacity_builder_share=0.2, practitioner_share=0.6, **params
    )
    assert coached.state.learning_rate.mean() > 1.1
    assert alone.state.learning_rate.mean() == 1.0
    assert coached.state.safety.mean() > alone.state.safety.mean() + 0.05


def test_verified_insights_enter_the_code() -> None:
    model, df = run_model(steps=30, code_learning_rate=0.0, turbulence_rate=0.05)
    events = model.insight_frame()
    codified = events[events.event == "codified"]
    assert len(codified) == df.insights_codified.sum() > 0
    verified_ids = set(events.loc[events.event == "verified", "insight"])
    assert set(codified.insight) <= verified_ids
    # the verifiers are researchers: research codifies
    assert (model.state.role[codified.member.to_numpy()] == RESEARCHER).all()


def test_insight_lifecycle_is_consistent() -> None:
    model, df = run_model(steps=60, turnover_rate=0.02, turbulence_rate=0.02, punitiveness=0.4)
    events = model.insight_frame()
    first = events.groupby("insight", observed=True).event.first()
    assert (first == "generated").all()
    assert len(first) == model.ledger.count == df.insights_generated.sum()
    per = events.groupby("insight", observed=True).event.agg(set)
    holder = events.groupby("insight", observed=True).holder.first()
    ends = {"punished", "suppressed", "walled", "expired", "lost", "refuted"}
    for insight, evs in per.items():
        assert len(evs & ends) <= 1  # at most one way to die
        if evs & {"suppressed", "lost"}:
            assert "voiced" not in evs
        if "codified" in evs:
            assert "verified" in evs
            assert "voiced" in evs or holder[insight] == model.top  # the top needs no leave
    assert (events.step.diff().fillna(0) >= 0).all()  # the log is in time order
    for name in ("voiced", "suppressed", "punished", "codified"):
        assert (events.event == name).sum() == df[f"insights_{name}"].sum()


def test_codified_insights_diffuse() -> None:
    model, df = run_model(
        steps=80, code_learning_rate=0.0, turbulence_rate=0.03, socialisation_rate=0.3
    )
    assert df.insights_adopted.sum() > 0
    assert df.diffusion_reach.dropna().between(0, 1).all()
    diffused = model.insight_frame().query("event == 'diffused'")
    assert len(diffused) > 0
    assert np.isfinite(df.diffusion_time.iloc[-1])


# --- March's rules ---------------------------------------------------------------------


def test_gradual_socialisation_moves_one_step() -> None:
    cur = np.array([-1, -1, 0, 0, 1, 1], dtype=np.int8)
    tgt = np.array([1, -1, 1, -1, -1, 1], dtype=np.int8)
    assert step_toward(cur, tgt, "gradual").tolist() == [0, -1, 1, -1, 0, 1]
    assert step_toward(cur, tgt, "jump").tolist() == tgt.tolist()


def test_socialisation_never_touches_dimensions_where_the_code_is_silent() -> None:
    model = CommunityModel("configs/march1991.toml", socialisation_rate=1.0, code_learning_rate=0.0)
    model.state.code[:10] = 1
    before = model.state.beliefs.copy()
    model.step()
    assert (model.state.beliefs[:, 10:] == before[:, 10:]).all()
    moved = before[:, :10] != 1
    assert (model.state.beliefs[:, :10][moved] == before[:, :10][moved] + 1).all()


def test_code_learns_the_superior_majority() -> None:
    model = CommunityModel(
        "configs/march1991.toml", code_learning_rate=1.0, superior_basis="knowledge"
    )
    reality = model.environment.target
    beliefs = model.state.beliefs
    beliefs[:] = 0
    beliefs[:3] = reality  # three members know everything ...
    beliefs[3:5] = -reality  # ... two are wrong, and wrongly ~ not superior to a blank code
    act(model.world)
    learn_code(model.world)
    assert (model.state.code == reality).all()


def test_code_ignores_a_split_superior_group_and_p2_zero() -> None:
    model = CommunityModel("configs/march1991.toml", code_learning_rate=0.0)
    act(model.world)
    learn_code(model.world)
    assert (model.state.code == 0).all()
    tie = CommunityModel(
        "configs/march1991.toml", code_learning_rate=1.0, superior_basis="knowledge"
    )
    r = tie.environment.target
    tie.state.beliefs[:] = 0
    tie.state.beliefs[0] = r
    tie.state.beliefs[1] = r
    tie.state.beliefs[1, 0] = -r[0]  # two superior members, split on dimension 0
    act(tie.world)
    learn_code(tie.world)
    assert tie.state.code[0] == 0 and (tie.state.code[1:] == r[1:]).all()


def test_turbulence_flips_reality() -> None:
    model = CommunityModel("configs/march1991.toml", turbulence_rate=1.0)
    before = model.environment.target.copy()
    model.step()
    assert (model.environment.target == -before).all()


def test_turnover_replaces_members_but_keeps_the_code() -> None:
    model, _ = run_model(steps=60)
    code = model.state.code.copy()
    knowledge = model.model_frame().mean_knowledge.iloc[-1]
    model.intervene("reorganisation_shock", share=1.0, min_level=0)
    assert (model.state.code == code).all()  # the organisation's memory survives
    assert (model.state.joined == model.next_step).all()
    fresh = model.environment.score(model.state.beliefs).mean() / model.state.m
    assert abs(fresh) < 0.1 < knowledge


def test_memory_lets_newcomers_relearn_after_turnover() -> None:
    model, _ = run_model(steps=60, socialisation_rate=0.3)
    model.intervene("reorganisation_shock", share=1.0, min_level=0)
    model.run(30)
    df = model.model_frame()
    assert df.mean_knowledge.iloc[-1] > 0.5  # relearned from the code, not from scratch


def test_turnover_loses_unvoiced_insights() -> None:
    model, _ = run_model(steps=40, turnover_rate=0.2, initial_safety=0.05, climate_drift=0.0)
    assert (model.insight_frame().event == "lost").sum() > 0


def test_without_research_nothing_waits_forever() -> None:
    model, df = run_model(steps=30, community=False, voice=True, exploration_rate=0.3)
    assert df.insights_voiced.sum() > 0
    assert df.insights_in_flight.max() < 3 * df.insights_generated.max()
    assert (model.ledger.pool_stage == 0).all()  # only insights still awaiting voice remain


# --- March's mixed populations: fast and slow learners ---------------------------------


def test_fast_learner_positions_are_a_fixed_seeded_nested_share() -> None:
    def fast_rows(share: float, seed: int = 0, cls: type = CommunityModel) -> set[int]:
        model = cls("configs/march1991.toml", fast_learner_share=share, seed=seed)
        if cls is ReferenceModel:
            return {agent.row for agent in model.members if agent.fast}
        return set(np.flatnonzero(model.state.fast).tolist())

    assert [len(fast_rows(s)) for s in (0.0, 0.02, 0.3, 0.5, 1.0)] == [0, 1, 15, 25, 50]
    assert fast_rows(0.2) == fast_rows(0.2)  # the seed decides
    assert fast_rows(0.2) != fast_rows(0.2, seed=1)
    assert fast_rows(0.2) < fast_rows(0.4)  # a larger share adds fast learners, keeps the rest
    assert fast_rows(0.4, cls=ReferenceModel) == fast_rows(0.4)  # one builder for both models
    model = CommunityModel(
        "configs/march1991.toml", fast_learner_share=0.4, fast_socialisation_rate=0.7
    )
    rates = model.state.socialisation_rate
    assert (rates[model.state.fast] == 0.7).all() and (rates[~model.state.fast] == 0.1).all()
    assert model.member(int(np.argmax(model.state.fast))).socialisation_rate == 0.7


@pytest.mark.parametrize("cls", [CommunityModel, ReferenceModel])
def test_only_fast_positions_socialise_and_newcomers_keep_the_positions_rate(cls: type) -> None:
    """p1 = 1 in the fast positions and 0 elsewhere; everyone is replaced every step."""
    model = cls(
        "configs/march1991.toml",
        socialisation_rate=0.0,
        fast_socialisation_rate=1.0,
        fast_learner_share=0.3,
        code_learning_rate=0.0,
        turnover_rate=1.0,
    )
    code = np.array(model.environment.target if cls is CommunityModel else model.reality, np.int8)
    for _ in range(3):
        if cls is ReferenceModel:
            model.code = code.tolist()
            model.step()
            beliefs = np.array([agent.beliefs for agent in model.members])
            fast = np.array([agent.fast for agent in model.members])
        else:
            model.state.code[:] = code
            model.step()
            beliefs, fast = model.state.beliefs, model.state.fast
        assert fast.sum() == 15  # the share never changes
        # every newcomer was naive: fast ones moved one step toward the code on every
        # dimension, so none of them still contradicts it; the slow ones did not move at all
        against = beliefs * code == -1
        assert not against[fast].any() and against[~fast].mean() > 0.2
        assert model.model_frame().departures.iloc[-1] == 50
        row = model.model_frame().iloc[-1]
        assert row.fast_knowledge > 0.5 and abs(row.slow_knowledge) < 0.2


def test_share_zero_is_the_model_as_it_was() -> None:
    # 1. pinned runs: first recorded before fast learners existed, re-recorded when the
    #    random-number protocol last changed (the counter-based streams of kernels.py,
    #    issue 5); with share 0 no fast-learner code may move them
    model = CommunityModel(
        "configs/default.toml", seed=5, steps=60, agent_sample_size=30, turnover_rate=0.03
    )
    model.run()
    df = model.model_frame()
    totals = {c: int(df[c].sum()) for c in ("insights_generated", "flows", "departures")}
    assert totals == {"insights_generated": 1349, "flows": 34738, "departures": 895}
    assert (int(df.insights_codified.sum()), int(df.code_changes.sum())) == (78, 12)
    for seed, (steps, score) in enumerate([(100, 30), (102, 30), (103, 30)]):
        march = CommunityModel("configs/march1991.toml", code_learning_rate=0.5, seed=seed)
        march.run()
        final = march.model_frame().code_knowledge.iloc[-1] * march.state.m
        assert (march.steps, round(final)) == (steps, score)
    assert df.fast_knowledge.isna().all()

    # 2. with no fast learners their rate is never read
    def frame(**params: object):
        return run_model(steps=30, seed=2, turnover_rate=0.05, **params)[1]

    pd.testing.assert_frame_equal(frame(), frame(fast_socialisation_rate=0.3))
    # 3. placing fast learners draws nothing from the model's generator: everyone fast at
    #    rate x is, column for column, everyone slow at p1 = x
    old = frame(socialisation_rate=0.3).drop(columns=["fast_knowledge", "slow_knowledge"])
    new = frame(fast_learner_share=1.0, fast_socialisation_rate=0.3)
    pd.testing.assert_frame_equal(old, new.drop(columns=["fast_knowledge", "slow_knowledge"]))


@pytest.mark.parametrize("model_class", [CommunityModel, ReferenceModel])
@pytest.mark.parametrize("community", [False, True])  # code learning; codified insights too
def test_the_code_never_learns_a_tacit_dimension(model_class: type, community: bool) -> None:
    """Miller, Zhao & Calantone's tacit knowledge: the first round(share x m) dimensions."""
    model = model_class(
        None,
        n_agents=60,
        m=20,
        tacit_share=0.25,
        community=community,
        code_learning_rate=0.9,
        seed=4,
    )
    model.run(40)
    code = np.asarray(model.state.code if model_class is CommunityModel else model.code)
    assert not code[:5].any()  # 5 tacit dimensions: never a view
    assert np.count_nonzero(code[5:]) >= 10  # the rest is learned as before
