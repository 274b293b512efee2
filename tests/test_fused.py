"""March's block compiled whole gives exactly the numbers of the phases it replaces."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from commsim.catalogue import Extension, Phase
from commsim.model import CommunityModel, kernels

from .conftest import CONFIGS

MARCH = CONFIGS / "march1991.toml"


class Unfused(CommunityModel):
    fuse_phases = False


def names(model: CommunityModel) -> list[str]:
    return [phase.name for phase in model._active]


VARIANTS: dict[str, dict[str, Any]] = {
    "equilibrium": {},
    "fast learners": {"fast_learner_share": 0.4, "code_learning_rate": 0.5},
    "turbulence": {"turbulence_rate": 0.05, "stop_at_equilibrium": False, "steps": 60},
    "turnover, tacit": {"turnover_rate": 0.1, "tacit_share": 0.2, "steps": 60},
    "paper's text": {"superior_basis": "knowledge", "socialisation_mode": "jump"},
    "climate, shock": {
        "climate_drift": 0.2,
        "steps": 40,
        "interventions": [{"step": 10, "action": "reality_shock", "share": 0.3}],
    },
}


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
@pytest.mark.parametrize("seed", [0, 7])
def test_a_fused_run_gives_the_phases_numbers(variant: str, seed: int) -> None:
    fused = CommunityModel(MARCH, seed=seed, **VARIANTS[variant])
    assert ("march_block" in names(fused)) == kernels.HAVE_NUMBA  # COMMSIM_NO_NUMBA: phases
    reference = Unfused(MARCH, seed=seed, **VARIANTS[variant])
    for model in (fused, reference):
        model.run()
    pd.testing.assert_frame_equal(fused.model_frame(), reference.model_frame())
    pd.testing.assert_frame_equal(fused.intervention_frame(), reference.intervention_frame())
    assert fused.rng.bit_generator.state == reference.rng.bit_generator.state
    assert fused.steps > 5 and fused.model_frame().code_changes.sum() > 0


def test_numba_draws_what_numpy_draws() -> None:
    from commsim.model.fused.pcg import generator_state as _generator_state
    from commsim.model.fused.pcg import next_double as _next_double
    from commsim.model.fused.pcg import next_raw as _next_raw

    for seed in (0, 1, 2**40 + 3):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        state = _generator_state(ours)
        assert state is not None
        raw = [_next_raw(state) for _ in range(100)]
        assert raw == theirs.bit_generator.random_raw(100).tolist()
        doubles = [_next_double(state) for _ in range(100)]
        assert doubles == theirs.random(100).tolist()
        assert ours.bit_generator.state == theirs.bit_generator.state  # advanced in place


def test_numba_seeds_and_draws_integers_as_numpy_does() -> None:
    """``pcg.seed_words`` is ``default_rng(seed)``'s state, and ``integers_8``/``integers_32``
    draw what ``Generator.integers`` draws, the half of a 64-bit output one call leaves
    carried to the next (the int8 draws after an odd count of 32-bit ones show it)."""
    from commsim.model.fused.pcg import generator_state, integers_8, integers_32, seed_words

    for seed in (0, 1, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, *range(2, 30)):
        state = np.empty(4, np.uint64)
        seed_words(np.uint64(seed), state)
        assert state.tolist() == generator_state(np.random.default_rng(seed)).tolist(), seed
    calls = [  # (bits, low, high, size): int8 spans 1, 2, 100 and the whole byte; int64 ones
        (8, 0, 2, 30), (32, 0, 50, 25), (8, 0, 3, 77), (32, 1, 50, 3), (8, -5, 95, 41),
        (32, 1, 2, 4), (8, -128, 128, 9), (32, 0, 2**32, 5), (32, 7, 1000, 1), (8, 3, 4, 5),
        (8, 0, 3, 13),
    ]  # fmt: skip
    for seed in (0, 5, 2**40 + 1):
        rng, state = np.random.default_rng(seed), np.empty(4, np.uint64)
        seed_words(np.uint64(seed), state)
        carry = np.zeros(2, np.uint64)
        for bits, low, high, size in calls:
            if bits == 8:
                ours = np.empty(size, np.int8)
                integers_8(state, carry, low, high, ours)
                assert ours.tolist() == rng.integers(low, high, size, np.int8).tolist()
            else:
                integers_32(state, carry, low, high, size)
                rng.integers(low, high, size)
            assert state.tolist() == generator_state(rng).tolist()


def test_a_plain_start_drawn_without_a_generator_is_draw_start_s() -> None:
    """``fused.ensemble``'s start, drawn on one generator set to each run's seed, gives each
    run what ``draw_start`` gives it, and leaves its stream where ``draw_start`` leaves it:
    organisations of 2 (whose ties' second draw takes nothing) and 3 (one tie), no informal
    ties, many, 64-bit seeds, no spread; and a start it leaves to ``draw_start``."""
    from commsim.model.fused import ensemble
    from commsim.model.fused.pcg import generator_state
    from commsim.model.model import draw_start

    cases = [
        {}, {"n_agents": 2}, {"n_agents": 3, "m": 1, "informal_ties": 0.5}, {"informal_ties": 0.0},
        {"informal_ties": 7.5, "m": 64}, {"seed": 2**63 + 5}, {"seed": 2**64 - 1},
        {"punitiveness_spread": 0.0}, {"fast_learner_share": 0.5}, {"task": "nk", "m": 10},
    ]  # fmt: skip
    start = ensemble._Start()
    for case in cases:
        cfg = CommunityModel(MARCH, **{"seed": 11, **case}).config
        assert ensemble._drawn_here(cfg) == ("task" not in case)
        rng = np.random.default_rng(cfg.seed)
        theirs = draw_start(cfg, rng)
        words, target = np.empty(4, np.uint64), np.empty(cfg.m, np.int8)
        beliefs = np.empty((cfg.m, cfg.n_agents), np.int8)
        role, fast = start.draw(cfg, words, target, beliefs)
        assert words.tolist() == generator_state(rng).tolist(), case
        assert np.array_equal(target, theirs.environment.target)
        assert np.array_equal(beliefs, theirs.beliefs.T)
        assert np.array_equal(role, theirs.role) and np.array_equal(fast, theirs.fast)
    assert ensemble._AGREES == [True]


def _noop(world: object) -> None:
    pass


@pytest.mark.parametrize(
    "why",
    [
        {"exploration_rate": 0.1},
        {"voice": True},
        {"neighbour_learning_rate": 0.2},
        {"task": "nk", "m": 10, "nk_k": 2},
    ],
    ids=str,
)
def test_a_run_that_is_not_march_s_block_keeps_its_phases(why: dict[str, Any]) -> None:
    assert "march_block" not in names(CommunityModel(MARCH, **why))


def test_a_phase_placed_inside_the_block_keeps_the_phases() -> None:
    inside = Extension("inside", phases=(Phase("watch", _noop, after="act"),))
    after = Extension("after", phases=(Phase("watch", _noop, after="climate"),))

    class Inside(CommunityModel):
        extensions = (inside,)

    class After(CommunityModel):
        extensions = (after,)

    assert "march_block" not in names(Inside(MARCH))
    assert names(After(MARCH))[-2:] == ["climate", "watch"]
    assert ("march_block" in names(After(MARCH))) == kernels.HAVE_NUMBA


@pytest.mark.parametrize("every", [None, 5])
@pytest.mark.parametrize("variant", ["equilibrium", "fast learners", "turbulence", "paper's text"])
def test_a_run_of_the_block_alone_leaps_between_rows_to_the_same_numbers(
    variant: str, every: int | None
) -> None:
    """Between two rows such a run's steps go in one compiled call: the same rows, the same
    history (advancement), the generator and Mesa's clock where stepping leaves them."""
    overrides = {**VARIANTS[variant], "seed": 3}
    leaping = CommunityModel(MARCH, **overrides)
    reference = Unfused(MARCH, **overrides)
    for model in (leaping, reference):
        model.run(record_every=every)
    pd.testing.assert_frame_equal(leaping.model_frame(), reference.model_frame())
    assert leaping.world.knowledge_history == reference.world.knowledge_history
    assert leaping.rng.bit_generator.state == reference.rng.bit_generator.state
    assert (leaping.steps, leaping.time, leaping.running) == (
        reference.steps, reference.time, reference.running,
    )  # fmt: skip
    leaping.step()  # and on from there, one step at a time
    reference.step()
    pd.testing.assert_frame_equal(leaping.model_frame(), reference.model_frame())


def _last_recorded(model: CommunityModel) -> dict[str, Any]:
    """The model's last row, its events counting step 0's (as a sweep keeps a run's end)."""
    first, last = model.recorded()[0], dict(model.recorded()[-1])
    for name in model.catalogue.events_of(model.config):
        last[name] += first[name]
    return last


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"socialisation_rate": 0.9, "code_learning_rate": 0.1, "seed": 4},
        {**VARIANTS["fast learners"], "seed": 2},
        {**VARIANTS["paper's text"], "seed": 9},
        {"turbulence_rate": 0.05, "stop_at_equilibrium": False, "steps": 40},
        {"steps": 3},  # ends before equilibrium
        {"steps": 1},
        {"tacit_share": 0.3, "n_agents": 120, "seed": 8},
    ],
    ids=str,
)
def test_a_run_of_the_block_alone_gives_its_last_row_without_the_model(
    overrides: dict[str, Any],
) -> None:
    """``last_row`` makes neither the Mesa model nor the step-0 row: the same row, every
    column with its value and its Python type, as the model run to its end."""
    model = CommunityModel(MARCH, **overrides)
    model.run(record_every=None)
    row = CommunityModel.last_row(model.config)
    if not kernels.HAVE_NUMBA:  # the block is numba's: without it the model runs
        assert row is None
        return
    expected = _last_recorded(model)
    assert row is not None and list(row) == list(expected)
    assert [type(v) for v in row.values()] == [type(v) for v in expected.values()]
    pd.testing.assert_frame_equal(pd.DataFrame([row]), pd.DataFrame([expected]))


class Stepped(CommunityModel):
    def step(self) -> None:
        super().step()


@pytest.mark.parametrize(
    "why",
    [
        {"turnover_rate": 0.1},
        {"climate_drift": 0.1},
        {"exploration_rate": 0.1},
        {"interventions": [{"step": 3, "action": "reality_shock", "share": 0.3}]},
        {"agent_sample_size": 5},
        {"task": "nk", "m": 10, "nk_k": 2},
    ],
    ids=str,
)
def test_last_row_leaves_any_other_run_to_the_model(why: dict[str, Any]) -> None:
    config = CommunityModel(MARCH, **why).config
    assert CommunityModel.last_row(config) is None


def test_last_row_leaves_a_changed_model_to_the_model() -> None:
    config = CommunityModel(MARCH).config
    watched = Extension("watched", phases=(Phase("watch", _noop, after="climate"),))

    class Watched(CommunityModel):
        extensions = (watched,)

    assert Stepped.last_row(config) is None and Unfused.last_row(config) is None
    assert Watched.last_row(config) is None


def test_runs_of_the_block_advanced_together_end_where_each_ends_alone() -> None:
    """``fused.ensemble``: runs of every variant the block covers, in one batch, each with
    the last step and knowledge the model gives it."""
    if not kernels.HAVE_NUMBA:
        return  # the ensemble is numba's (a sweep without it runs the model)
    from commsim.model.fused.ensemble import knowledge_at_end
    from commsim.model.metrics import KNOWLEDGE

    variants = [
        {}, {"socialisation_rate": 0.9, "code_learning_rate": 0.1}, VARIANTS["fast learners"],
        VARIANTS["paper's text"], {"turbulence_rate": 0.05, "stop_at_equilibrium": False},
        {"steps": 3}, {"steps": 1}, {"tacit_share": 0.3},
    ]  # fmt: skip
    configs = [CommunityModel(MARCH, seed=s, **v).config for s, v in enumerate(variants)]
    assert all(CommunityModel.leaps(config) for config in configs)
    ends = knowledge_at_end(configs)
    for row, config in enumerate(configs):
        model = CommunityModel(config)
        model.run(record_every=None)
        last = model.recorded()[-1]
        assert [ends[name][row] for name in ("step", *KNOWLEDGE)] == [
            last[name] for name in ("step", *KNOWLEDGE)
        ]
