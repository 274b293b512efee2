"""Experiment files, designs and the run table: right points, stable ids and seeds, errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from commsim.config import ConfigError
from commsim.experiment.designs import design_points
from commsim.experiment.plan import derive_seed, plan_sweep, run_id
from commsim.experiment.spec import load_experiment

from .conftest import CONFIGS

BASE = str(CONFIGS / "default.toml")


def experiment(**fields: object) -> dict[str, object]:
    return {"name": "t", "base": BASE, "overrides": {"n_agents": 40}} | fields


def runs(spec: dict[str, object]):
    return plan_sweep(load_experiment(spec))


def test_factorial_is_the_full_grid_with_ranges_including_stop() -> None:
    spec = experiment(
        parameters={
            "socialisation_rate": [0.1, 0.9],
            "authority_gradient": {"start": 0.0, "stop": 0.6, "step": 0.2},
            "span_of_control": {"start": 2, "stop": 6, "step": 2},
        }
    )
    points = design_points(load_experiment(spec)).points
    expected = itertools.product([0.1, 0.9], [0.0, 0.2, 0.4, 0.6], [2, 4, 6])
    assert [tuple(p.values()) for p in points] == list(expected)
    assert all(isinstance(p["span_of_control"], int) for p in points)


def test_repetitions_multiply_runs_and_each_run_has_its_own_seed() -> None:
    plan = runs(experiment(repetitions=3, parameters={"socialisation_rate": [0.1, 0.5]}))
    table = plan.table()
    assert len(table) == 6
    assert table.run_id.is_unique and table.seed.is_unique
    assert sorted(table.repetition) == [0, 0, 1, 1, 2, 2]


def test_latin_hypercube_puts_one_point_in_each_stratum() -> None:
    spec = experiment(
        design={"kind": "latin", "samples": 20},
        parameters={
            "initial_safety": {"distribution": "uniform", "low": 0.2, "high": 0.6},
            "informal_ties": {"distribution": "uniform", "low": 0, "high": 10},
        },
    )
    points = design_points(load_experiment(spec)).points
    safety = np.array([p["initial_safety"] for p in points])
    assert len(points) == 20 and safety.min() >= 0.2 and safety.max() <= 0.6
    strata = np.floor((safety - 0.2) / 0.4 * 20).astype(int)
    assert sorted(strata) == list(range(20))


def test_sobol_and_morris_have_salib_sizes_and_integer_parameters_round() -> None:
    params = {
        "initial_safety": {"distribution": "uniform", "low": 0.2, "high": 0.9},
        "span_of_control": {"distribution": "uniform", "low": 2, "high": 9, "integer": True},
    }
    sobol = design_points(
        load_experiment(experiment(design={"kind": "sobol", "samples": 8}, parameters=params))
    )
    assert len(sobol.points) == 8 * (2 + 2)  # N (k + 2) without second order
    assert all(type(p["span_of_control"]) is int for p in sobol.points)
    assert sobol.info["problem"]["names"] == ["initial_safety", "span_of_control"]
    morris = design_points(
        load_experiment(
            experiment(design={"kind": "morris", "samples": 5, "levels": 4}, parameters=params)
        )
    )
    assert len(morris.points) == 5 * (2 + 1)
    levels = {round((p["initial_safety"] - 0.2) / 0.7 * 3, 9) for p in morris.points}
    assert levels <= {0.0, 1.0, 2.0, 3.0}


def test_the_same_file_gives_the_same_sample() -> None:
    spec = experiment(
        design={"kind": "latin", "samples": 5},
        parameters={"initial_safety": {"distribution": "uniform", "low": 0.0, "high": 1.0}},
    )
    assert runs(spec).table().equals(runs(spec).table())
    other = runs(spec | {"seed": 1}).table()
    assert not np.allclose(other.initial_safety, runs(spec).table().initial_safety)


def test_ids_and_seeds_do_not_depend_on_order_or_on_added_values() -> None:
    a = runs(
        experiment(
            repetitions=2,
            parameters={"socialisation_rate": [0.1, 0.5], "initial_safety": [0.3, 0.8]},
        )
    ).table()
    b = runs(
        experiment(
            repetitions=3,
            parameters={"initial_safety": [0.8, 0.3, 0.5], "socialisation_rate": [0.5, 0.1]},
        )
    ).table()
    key = ["run_id", "seed", "repetition", "socialisation_rate", "initial_safety"]
    old = a[key].sort_values("run_id").reset_index(drop=True)
    new = b[key].merge(old, on=key).sort_values("run_id").reset_index(drop=True)
    assert new.equals(old)  # every run of the first sweep is in the second, unchanged


def test_ids_follow_parameter_values_not_their_spelling() -> None:
    # informal_ties is a float parameter: 2 and 2.0 are the same run
    one = runs(experiment(parameters={"informal_ties": [2]})).table()
    two = runs(experiment(parameters={"informal_ties": [2.0]})).table()
    assert one.run_id.tolist() == two.run_id.tolist()
    assert one.run_id[0] == run_id({"informal_ties": 2.0}, 0)


def test_common_random_numbers_share_seeds_within_a_repetition() -> None:
    table = runs(
        experiment(
            repetitions=2, common_random_numbers=True, parameters={"initial_safety": [0.2, 0.9]}
        )
    ).table()
    assert table.groupby("repetition").seed.nunique().eq(1).all()
    assert table.seed.nunique() == 2
    assert table.seed[0] == derive_seed(0, "repetition-0")


def test_a_point_a_sample_holds_twice_gets_two_runs() -> None:
    spec = experiment(
        design={"kind": "morris", "samples": 20, "levels": 2},
        parameters={"initial_safety": {"distribution": "uniform", "low": 0.0, "high": 1.0}},
    )
    table = runs(spec).table()  # 40 points on 2 levels: many repeats
    assert table.run_id.is_unique and len(table) == 40


def test_record_settings_reach_the_tasks() -> None:
    plan = runs(experiment(record={"every": "end", "metrics": ["code_knowledge"]}))
    task = plan.tasks[0]
    assert task.record_every is None and task.metrics == ("code_knowledge",)


BAD = [
    ({"parameters": {"socialisation_rat": [0.1]}}, "did you mean 'socialisation_rate'"),
    ({"parameters": {"socialisation_rate": [0.1, 1.5]}}, "point 1: socialisation_rate=1.5"),
    ({"parameters": {"socialisation_rate": [0.1, 0.1]}}, "listed twice"),
    ({"parameters": {"seed": [1, 2]}}, "cannot be swept"),
    ({"parameters": {"initial_safety": {"start": 0.5, "stop": 0.1, "step": 0.1}}}, "below start"),
    (
        {"parameters": {"initial_safety": {"start": 0.1, "stop": 0.5}}},
        "parameters.initial_safety.step",
    ),
    ({"parameters": {"initial_safety": "high"}}, "expected a list of values"),
    (
        {"parameters": {"initial_safety": {"distribution": "uniform", "low": 0.1, "high": 0.9}}},
        "distributions need design.kind",
    ),
    (
        {
            "design": {"kind": "sobol", "samples": 6},
            "parameters": {"initial_safety": {"distribution": "uniform", "low": 0.1, "high": 0.9}},
        },
        "power of 2",
    ),
    (
        {
            "design": {"kind": "latin"},
            "parameters": {"initial_safety": {"distribution": "uniform", "low": 0.1, "high": 0.9}},
        },
        "needs design.samples",
    ),
    (
        {"design": {"kind": "latin", "samples": 4}, "parameters": {"initial_safety": [0.1]}},
        "give each a distribution",
    ),
    ({"design": {"kind": "grid"}}, "field 'design.kind'"),
    ({"repetitions": 0}, "field 'repetitions'"),
    ({"record": {"every": 0}}, "field 'record.every'"),
    ({"record": {"metrics": ["code_knowlege"]}}, "did you mean 'code_knowledge'"),
    ({"overrides": {"n_agent": 5}}, "field 'overrides.n_agent'"),
    ({"overrides": {"n_agents": -5}}, "field 'n_agents'"),
    ({"base": "nowhere.toml"}, "field 'base': no scenario file"),
    ({"repetitons": 2}, "did you mean 'repetitions'"),
    ({"stop": "never"}, "field 'stop'"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_experiments_are_one_line_naming_the_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        runs(experiment() | change)
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(f'name = "x"\nbase = "{BASE}"\n[parameters]\nvoice = [true, "loud"]\n')
    with pytest.raises(ConfigError, match=r"exp\.toml \(point 1: voice='loud'\): field 'voice'"):
        plan_sweep(load_experiment(path))
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match=r"exp\.toml: not valid TOML"):
        load_experiment(path)


def test_base_is_found_relative_to_the_experiment_file() -> None:
    loaded = load_experiment(CONFIGS / "experiments" / "smoke.toml")
    assert loaded.base.n_agents == 100 and loaded.base.seed == 0
    assert len(plan_sweep(loaded).tasks) >= 8


@pytest.mark.parametrize("occurrence, policy", [(0, None), (2, None), (0, "cut"), (3, 'a "ü"')])
def test_a_run_id_is_the_digest_of_its_payload_s_json(occurrence: int, policy: str | None) -> None:
    """Run ids are assembled from the point's JSON made once (a sweep's planning); they must
    stay the digest of ``json.dumps(payload, sort_keys=True)``, or a resume would not know
    the runs it stored."""
    import hashlib
    import json

    from commsim.config import first_spelling

    parameters = {"socialisation_rate": 0.5, "network": "ring", "n_agents": 60, "b": [1, 2.5]}
    payload = {"parameters": first_spelling(parameters), "repetition": 7}
    if occurrence:
        payload["occurrence"] = occurrence
    if policy is not None:
        payload["policy"] = policy
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    assert run_id(parameters, 7, occurrence, policy) == expected
