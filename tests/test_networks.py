"""The study networks: Lazer & Friedman's four kinds, Fang et al.'s subgroups and Miller et
al.'s grid."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from commsim.config import ConfigError, grid_shape, load_config
from commsim.model.organisation import (
    build_hierarchy,
    build_network,
    grid_edges,
    rewired_lattice_edges,
    subgroup_of,
    ties_from_edges,
)


def network(seed: int = 0, **overrides: object):
    config = load_config(seed=seed, **overrides)
    _, manager = build_hierarchy(config.n_agents, config.span_of_control)
    ties = build_network(config, manager, np.random.default_rng(seed))
    return ties, ties.to_networkx(config.n_agents)


def test_a_line_is_a_path_and_a_ring_closes_it() -> None:
    ties, graph = network(network="line", n_agents=100)
    assert sorted(ties.degree.tolist()) == [1, 1] + [2] * 98
    assert nx.is_connected(graph) and graph.number_of_edges() == 99
    assert nx.diameter(graph) == 99
    ties, graph = network(network="ring", n_agents=100)
    assert (ties.degree == 2).all() and nx.diameter(graph) == 50


def test_complete_ties_everyone_to_everyone() -> None:
    ties, graph = network(network="complete", n_agents=40)
    assert (ties.degree == 39).all() and graph.number_of_edges() == 40 * 39 // 2


def test_small_world_keeps_the_lattice_degree_and_is_seeded() -> None:
    ties, graph = network(network="small_world", n_agents=100, network_degree=6, rewiring=0.1)
    assert graph.number_of_edges() == 300  # rewiring moves ties, never adds or drops one
    lattice, _ = network(network="small_world", n_agents=100, network_degree=6, rewiring=0.0)
    assert (lattice.degree == 6).all()
    again, _ = network(network="small_world", n_agents=100, network_degree=6, rewiring=0.1)
    other, _ = network(seed=1, network="small_world", n_agents=100, network_degree=6, rewiring=0.1)
    assert (again.edges == ties.edges).all() and not np.array_equal(other.edges, ties.edges)


def test_random_networks_have_the_mean_degree_asked_for() -> None:
    degrees = [
        network(seed=s, network="random", n_agents=200, network_degree=8)[0].degree.mean()
        for s in range(10)
    ]
    assert np.mean(degrees) == pytest.approx(8, rel=0.05)


def test_isolated_subgroups_are_cliques_with_no_tie_between_them() -> None:
    ties, graph = network(network="subgroups", n_agents=100, subgroups=10)
    group = subgroup_of(100, 10)
    assert np.bincount(group).tolist() == [10] * 10
    assert (ties.degree == 9).all() and nx.number_connected_components(graph) == 10
    assert (group[ties.edges[:, 0]] == group[ties.edges[:, 1]]).all()


@pytest.mark.parametrize("linking", [0.05, 0.3])
def test_the_share_of_cross_group_ties_is_the_linking_probability(linking: float) -> None:
    shares = []
    for seed in range(10):
        ties, _ = network(
            seed=seed, network="subgroups", n_agents=200, subgroups=10, cross_group_linking=linking
        )
        group = subgroup_of(200, 10)
        shares.append((group[ties.edges[:, 0]] != group[ties.edges[:, 1]]).mean())
    assert np.mean(shares) == pytest.approx(linking, rel=0.1)


def test_uneven_subgroups_differ_by_at_most_one() -> None:
    sizes = np.bincount(subgroup_of(103, 10))
    assert sizes.sum() == 103 and sizes.max() - sizes.min() <= 1


@pytest.mark.parametrize(("n", "shape"), [(50, (5, 10)), (49, (7, 7)), (12, (3, 4))])
def test_a_grid_is_a_torus_where_everyone_has_four_neighbours(n: int, shape: tuple) -> None:
    rows, cols = grid_shape(n)
    assert (rows, cols) == shape
    ties = ties_from_edges(grid_edges(n), n)
    assert (ties.degree == 4).all() and ties.edges.shape[0] == 2 * n
    # position 0 (row 0, column 0) wraps around both ways: east, west, south, north
    assert sorted(ties.indices[ties.indptr[0] : ties.indptr[1]].tolist()) == sorted(
        [1, cols - 1, cols, (rows - 1) * cols]
    )


def test_the_model_learns_over_the_configured_network() -> None:
    from commsim.model.model import CommunityModel

    model = CommunityModel(None, network="ring", n_agents=50, seed=1)
    assert (model.ties.degree == 2).all()
    assert model.grid is not None  # Mesa's network view works on any kind


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"network": "small_world", "network_degree": 5}, "network_degree"),
        ({"network": "random", "n_agents": 10, "network_degree": 10}, "network_degree"),
        ({"network": "subgroups", "n_agents": 10, "subgroups": 6}, "subgroups"),
        (
            {"network": "subgroups", "subgroups": 1, "cross_group_linking": 0.1},
            "cross_group_linking",
        ),
        ({"network": "star"}, "network"),
        ({"network": "grid", "n_agents": 14}, "network"),  # 2 x 7: too few rows
        ({"tacit_share": 1.2}, "tacit_share"),
        ({"peer_learning": "gossip"}, "peer_learning"),
        ({"copy_error": 1.5}, "copy_error"),
    ],
)
def test_network_mistakes_are_one_line_naming_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(**overrides)
    message = str(err.value)
    assert "\n" not in message and f"field '{field}'" in message


@pytest.mark.parametrize("rewirings", [0, 1, 20, 45])
def test_a_rewired_lattice_moves_exactly_that_many_ties_and_stays_one_piece(
    rewirings: int,
) -> None:
    edges = rewired_lattice_edges(100, 4, rewirings, np.random.default_rng(rewirings))
    graph = nx.Graph([tuple(e) for e in edges.tolist()])
    lattice = nx.watts_strogatz_graph(100, 4, 0.0)
    assert graph.number_of_edges() == 200 and nx.is_connected(graph)
    assert len(set(map(frozenset, lattice.edges())) - set(map(frozenset, graph.edges()))) == (
        rewirings
    )
