"""The network learning rules: Lazer & Friedman's copy-the-best-or-search, Fang et al.'s
superior majority, Miller et al.'s best neighbour's views, and when a network has settled."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.model.model import CommunityModel
from commsim.model.organisation import ties_from_edges
from commsim.model.peers import (
    best_neighbours,
    copy_best_or_search,
    follow_best_neighbour,
    follow_superior_majority,
    imperfect_copies,
    settled,
)

LF = "configs/lazer_friedman2007.toml"
FANG = "configs/fang2010.toml"
MILLER = "configs/miller2006.toml"


def scores_of(model: CommunityModel) -> np.ndarray:
    return model.environment.score(model.state.beliefs)


def test_the_best_neighbour_is_the_highest_scoring_one() -> None:
    ties = ties_from_edges(np.array([[0, 1], [0, 2], [0, 3], [1, 2]]), 5)
    best = best_neighbours(ties, np.array([0.5, 0.1, 0.9, 0.3, 0.7]))
    assert best.tolist() == [2, 2, 0, 0, -1]  # member 4 has nobody


def test_on_a_complete_network_everyone_copies_the_best_and_the_best_searches() -> None:
    model = CommunityModel(LF, network="complete", seed=3)
    before = model.state.beliefs.copy()
    scores = scores_of(model)
    top = int(np.argmax(scores))
    copy_best_or_search(model.world)
    others = np.arange(model.state.n) != top
    assert (model.state.beliefs[others] == before[top]).all()
    assert (before[top] != model.state.beliefs[top]).sum() <= 1  # one bit tried, at most
    assert scores_of(model)[top] >= scores[top]


@pytest.mark.parametrize("network", ["line", "small_world", "random"])
def test_without_error_no_member_ever_scores_less_than_before(network: str) -> None:
    model = CommunityModel(LF, network=network, seed=4, stop_at_equilibrium=False)
    previous = scores_of(model)
    for _ in range(30):
        model.step()
        now = scores_of(model)
        assert (now >= previous).all()
        previous = now


def test_copy_error_leaves_that_share_of_the_bits_uncopied() -> None:
    rng = np.random.default_rng(5)
    own = np.ones((200, 20), dtype=np.int8)
    copied = imperfect_copies(own, -own, 0.3, rng)
    assert (copied == own).mean() == pytest.approx(0.3, abs=0.02)
    assert set(np.unique(copied)) == {-1, 1}  # each bit is the copier's or the model's


def test_a_copier_whose_error_makes_it_worse_keeps_its_own_solution() -> None:
    # L&F p. 684: "actors revert to their status quo solution if an error-induced state is
    # inferior"
    model = CommunityModel(LF, network="complete", copy_error=0.5, seed=5)
    before, scores = model.state.beliefs.copy(), scores_of(model)
    top = int(np.argmax(scores))
    copy_best_or_search(model.world)
    others = np.flatnonzero(np.arange(model.state.n) != top)
    after, now = model.state.beliefs[others], scores_of(model)[others]
    reverted = (after == before[others]).all(axis=1)
    # every copier holds a mix of its own and the best solution, never scoring less than before
    assert ((after == before[others]) | (after == before[top])).all()
    assert (now >= scores[others]).all()
    # both outcomes happen at this error rate: some keep a mix, some revert
    assert 0 < reverted.sum() < others.size
    mixed = ~reverted & ((after != before[top]).any(axis=1))
    assert mixed.any()


def test_at_velocity_zero_members_only_search_one_bit_at_a_time() -> None:
    model = CommunityModel(LF, network="complete", neighbour_learning_rate=0.0, seed=6)
    before, scores = model.state.beliefs.copy(), scores_of(model)
    copy_best_or_search(model.world)
    changed = (model.state.beliefs != before).sum(axis=1)
    assert changed.max() == 1 and changed.sum() > 0
    assert (scores_of(model)[changed == 1] > scores[changed == 1]).all()


def test_a_lazer_friedman_run_stops_when_everyone_sits_on_one_peak() -> None:
    model = CommunityModel(LF, network="complete", seed=7)
    model.run()
    assert not model.running and model.steps < 50
    beliefs = model.state.beliefs
    assert (beliefs == beliefs[0]).all()  # one solution everywhere
    assert settled(model.world)


def hand_made(
    beliefs: list[list[int]], reality: list[int], edges: list[list[int]], **overrides: object
) -> CommunityModel:
    """A Fang-model organisation with the given beliefs, reality and ties."""
    beliefs_array = np.asfortranarray(np.array(beliefs, dtype=np.int8))
    n, m = beliefs_array.shape
    settings = {"neighbour_learning_rate": 1.0, "socialisation_mode": "jump"} | overrides
    model = CommunityModel(
        FANG, n_agents=n, m=m, subgroups=1, cross_group_linking=0.0, seed=0, **settings
    )
    model.state.beliefs = beliefs_array
    model.environment.target = np.array(reality, dtype=np.int8)
    model.world.ties = ties_from_edges(np.array(edges), n)
    return model


def test_members_adopt_the_majority_view_of_the_neighbours_who_know_more() -> None:
    reality = [1, 1, 1, 1]
    model = hand_made(
        [
            [-1, -1, 0, 0],  # knows least: member 1, 2, 3 all know more
            [1, 1, 1, -1],
            [1, 1, -1, 1],
            [1, -1, 1, 1],
        ],
        reality,
        [[0, 1], [0, 2], [0, 3]],
    )
    follow_superior_majority(model.world, np.zeros(4))
    assert model.state.beliefs[0].tolist() == [1, 1, 1, 1]  # majority on every dimension
    assert model.state.beliefs[1:].tolist() == [[1, 1, 1, -1], [1, 1, -1, 1], [1, -1, 1, 1]]


def test_a_tied_majority_or_no_superior_changes_nothing() -> None:
    model = hand_made([[0, 0], [1, -1], [-1, 1]], [1, 1], [[0, 1], [0, 2]])
    before = model.state.beliefs.copy()
    follow_superior_majority(model.world, np.zeros(3))
    assert (model.state.beliefs == before).all()  # 1 and 2 tie on both dimensions
    assert settled(model.world)


def test_a_fang_run_ends_settled() -> None:
    model = CommunityModel(FANG, n_agents=40, m=20, subgroups=4, cross_group_linking=0.2, seed=2)
    model.run()
    assert not model.running and settled(model.world)


def test_members_take_the_views_of_their_best_neighbour_only_if_it_does_better() -> None:
    reality = [1, 1, 1, 1]
    model = hand_made(
        [
            [-1, -1, 0, 1],  # knows least; its best neighbour is member 2
            [1, 1, -1, -1],
            [1, 1, 0, 1],  # the best: no neighbour does better, so it keeps its views
            [-1, -1, -1, -1],
        ],
        reality,
        [[0, 1], [0, 2], [0, 3], [1, 2]],
        superior_basis="knowledge",
    )
    follow_best_neighbour(model.world, np.zeros(4))
    beliefs = model.state.beliefs.tolist()
    assert beliefs[0] == [1, 1, 0, 1]  # every differing view of member 2; its 0 is not taught
    assert beliefs[1] == [1, 1, -1, 1]  # from member 2, not from member 0 (worse)
    assert beliefs[2] == [1, 1, 0, 1]
    assert beliefs[3] == [-1, -1, -1, 1]  # from member 0 as it was before the phase wrote


def test_the_best_neighbours_views_spread_at_the_per_belief_rate() -> None:
    n, m = 400, 50
    model = hand_made(
        [[1] * m] + [[-1] * m] * (n - 1),
        [1] * m,
        [[0, i] for i in range(1, n)],
        superior_basis="knowledge",
        neighbour_learning_rate=0.3,
    )
    follow_best_neighbour(model.world, np.zeros(n))
    moved = (model.state.beliefs[1:] == 1).mean()
    assert abs(moved - 0.3) < 0.01  # 19,950 trials: a standard error of 0.003


def test_a_miller_run_on_knowledge_ends_settled() -> None:
    model = CommunityModel(
        MILLER, superior_basis="knowledge", tacit_share=0.0, stop_at_equilibrium=True, seed=3
    )
    model.run(2000)
    assert not model.running and settled(model.world)
