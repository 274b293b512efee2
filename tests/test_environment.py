"""The task environments: March's reality vector and the NK landscape behind one interface."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from commsim.config import ConfigError, load_config
from commsim.model.environment import make_environment
from commsim.model.model import CommunityModel
from commsim.model.nk_landscape import EXPONENT, NKLandscape, dependencies
from commsim.model.reality import RealityVector


def every_solution(m: int) -> np.ndarray:
    """All 2**m solutions as rows of -1/+1 beliefs."""
    return np.array(list(itertools.product([-1, 1], repeat=m)), dtype=np.int8)


@pytest.mark.parametrize(("m", "k", "seed"), [(8, 0, 1), (10, 3, 2), (11, 5, 3), (9, 8, 4)])
def test_the_maximum_is_the_best_of_every_solution_by_brute_force(
    m: int, k: int, seed: int
) -> None:
    landscape = NKLandscape(m, k, np.random.default_rng(seed))
    raw = landscape.raw(landscape.bits(every_solution(m)))
    assert landscape.maximum == pytest.approx(raw.max(), rel=1e-12)
    assert landscape.score(landscape.target[None, :])[0] == 1.0  # the optimum scores exactly 1
    scores = landscape.score(every_solution(m))
    assert scores.min() >= 0.0 and scores.max() == 1.0
    assert scores == pytest.approx((raw / raw.max()) ** EXPONENT)


def test_k_zero_is_additive_and_single_peaked() -> None:
    m = 10
    landscape = NKLandscape(m, 0, np.random.default_rng(5))
    solutions = every_solution(m)
    bits = landscape.bits(solutions)
    # each bit counts on its own: fitness is the mean of per-bit values
    own = landscape.tables[np.arange(m), bits].mean(axis=1)
    assert landscape.raw(bits) == pytest.approx(own)
    # and there is one peak: every solution no single change improves is the optimum
    raw = landscape.raw(bits)
    index = bits @ (1 << np.arange(m))
    neighbours = index[:, None] ^ (1 << np.arange(m))
    by_index = np.empty_like(raw)
    by_index[index] = raw
    peaks = (by_index[neighbours] <= raw[:, None]).all(axis=1)
    assert peaks.sum() == 1
    assert (solutions[peaks][0] == landscape.target).all()


def test_a_rugged_landscape_has_many_peaks() -> None:
    m = 10
    landscape = NKLandscape(m, 5, np.random.default_rng(6))
    bits = landscape.bits(every_solution(m))
    raw = landscape.raw(bits)
    index = bits @ (1 << np.arange(m))
    by_index = np.empty_like(raw)
    by_index[index] = raw
    peaks = (by_index[index[:, None] ^ (1 << np.arange(m))] <= raw[:, None]).all(axis=1)
    assert peaks.sum() > 3


def test_each_bit_depends_on_itself_and_k_distinct_others() -> None:
    deps = dependencies(20, 5, np.random.default_rng(0))
    assert (deps[:, 0] == np.arange(20)).all()
    for i, row in enumerate(deps):
        assert len(set(row.tolist())) == 6 and i not in row[1:]


def test_drawn_with_replacement_a_bit_may_depend_on_fewer_others() -> None:
    deps = dependencies(20, 5, np.random.default_rng(0), "with_replacement")
    assert deps.shape == (20, 6) and (deps[:, 0] == np.arange(20)).all()
    others = [len(set(row[1:].tolist()) - {i}) for i, row in enumerate(deps)]
    # 5 draws from 20 bits: on average 20 * (1 - 0.95**5) = 4.5 distinct bits, some the bit
    # itself; over 20 bits some must fall short of 5 distinct others
    assert min(others) < 5 and max(others) <= 5


def test_adjacent_interactions_are_the_next_k_bits_on_a_ring() -> None:
    deps = dependencies(6, 2, np.random.default_rng(0), "adjacent")
    assert deps.tolist() == [[i, (i + 1) % 6, (i + 2) % 6] for i in range(6)]


@pytest.mark.parametrize("interactions", ["with_replacement", "adjacent"])
def test_the_maximum_is_exact_whatever_the_interactions(interactions: str) -> None:
    landscape = NKLandscape(10, 4, np.random.default_rng(7), interactions)
    raw = landscape.raw(landscape.bits(every_solution(10)))
    assert landscape.maximum == pytest.approx(raw.max(), rel=1e-12)


def test_a_seed_fixes_the_landscape() -> None:
    a, b = (NKLandscape(12, 4, np.random.default_rng(9)) for _ in range(2))
    assert (a.tables == b.tables).all() and (a.deps == b.deps).all()
    assert a.maximum == b.maximum and (a.target == b.target).all()
    c = NKLandscape(12, 4, np.random.default_rng(10))
    assert not (a.tables == c.tables).all()


def test_local_search_takes_a_change_only_if_it_scores_strictly_better() -> None:
    landscape = NKLandscape(12, 4, np.random.default_rng(11))
    rng = np.random.default_rng(12)
    beliefs = landscape.initial_beliefs(rng, 500)
    dims = rng.integers(0, 12, 500)
    found = landscape.better(beliefs, dims)
    after = beliefs.copy()
    after[np.arange(500), dims] = found
    before_score, after_score = landscape.score(beliefs), landscape.score(after)
    assert (after_score >= before_score).all()
    changed = found != beliefs[np.arange(500), dims]
    assert changed.any() and (after_score[changed] > before_score[changed]).all()


def test_feedback_on_reality_is_the_truth_flipped_with_the_noise() -> None:
    reality = RealityVector(40, np.random.default_rng(1))
    dims = np.arange(40).repeat(500)
    seen = reality.observe(np.zeros((dims.size, 40), np.int8), dims, 0.2, np.random.default_rng(2))
    assert (seen != reality.target[dims]).mean() == pytest.approx(0.2, abs=0.01)


def test_a_shock_redraws_part_of_the_landscape_and_finds_its_new_maximum() -> None:
    landscape = NKLandscape(10, 2, np.random.default_rng(3))
    before = landscape.tables.copy()
    loci = landscape.shock(0.3, np.random.default_rng(4))
    assert loci.size == 3
    assert (landscape.tables[loci] != before[loci]).all()
    unchanged = np.setdiff1d(np.arange(10), loci)
    assert (landscape.tables[unchanged] == before[unchanged]).all()
    raw = landscape.raw(landscape.bits(every_solution(10)))
    assert landscape.maximum == pytest.approx(raw.max(), rel=1e-12)
    assert landscape.drift(0.0, np.random.default_rng(5)) == 0


def test_the_config_chooses_the_environment_and_the_newcomers_beliefs() -> None:
    rng = np.random.default_rng(0)
    assert isinstance(make_environment(load_config(), rng), RealityVector)
    nk = make_environment(load_config(task="nk", m=16, nk_k=3), rng)
    assert isinstance(nk, NKLandscape) and nk.m == 16
    assert set(np.unique(nk.initial_beliefs(rng, 50)).tolist()) == {-1, 1}  # bits, no 0


def test_a_model_on_a_landscape_reports_knowledge_on_its_scale() -> None:
    model = CommunityModel(None, task="nk", m=12, nk_k=3, n_agents=80, steps=15, seed=2)
    model.run()
    frame = model.model_frame()
    scores = model.environment.score(model.state.beliefs)
    assert frame["mean_knowledge"].iloc[-1] == pytest.approx(scores.mean())
    assert frame["knowledge_sd"].iloc[-1] == pytest.approx(scores.std())
    assert ((frame["mean_knowledge"] >= 0) & (frame["mean_knowledge"] <= 1)).all()
    code = model.environment.knowledge(model.state.code[None, :])[0]
    assert frame["code_knowledge"].iloc[-1] == pytest.approx(code)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"task": "nk", "m": 30}, "task"),
        ({"task": "nk", "m": 20, "nk_k": 20}, "nk_k"),
        ({"task": "moon"}, "task"),
    ],
)
def test_landscape_mistakes_are_one_line_naming_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(**overrides)
    message = str(err.value)
    assert "\n" not in message and f"field '{field}'" in message


def test_many_members_are_scored_in_blocks_with_the_same_result() -> None:
    landscape = NKLandscape(12, 3, np.random.default_rng(13))
    beliefs = landscape.initial_beliefs(np.random.default_rng(14), 40_000)  # over 2 blocks
    whole = landscape.score(beliefs)
    parts = np.concatenate([landscape.score(beliefs[i : i + 777]) for i in range(0, 40_000, 777)])
    assert (whole == parts).all()
