"""The repository extension's tests: its phase against a slow plain-Python reference of the
same rule, the rates at 0 change no number of the built-in model, its lever and metrics, and
its entry point. Run them with the package installed (``pip install -e .``)::

    python -m pytest
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import commsim
from commsim import extensions
from commsim.config import ConfigError
from commsim.model import CommunityModel, World

repository = pytest.importorskip(
    "commsim_repository", reason="the example is not installed (pip install -e .)"
)
EXTENSION = repository.EXTENSION
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "repository.toml"
SMALL = {"n_agents": 60, "m": 12, "agent_sample_size": 0}


# --- the slow reference: the same rule, one member at a time, in plain Python -------------


def reference_rule(
    beliefs: list[list[int]],
    entries: list[int],
    rng: np.random.Generator,
    contribution: float,
    consultation: float,
) -> tuple[int, int]:
    """Contribution then consultation, member by member, with lists and scalar draws in the
    rule's documented order; returns (entries written, look-ups that found an entry)."""
    n, m = len(beliefs), len(entries)
    written = found = 0
    if contribution > 0:
        contributors = [i for i in range(n) if rng.random() < contribution]
        for i in contributors:  # in row order: the first writer of an empty entry writes it
            d = int(rng.random() * m)
            if entries[d] == 0 and beliefs[i][d] != 0:
                entries[d] = beliefs[i][d]
                written += 1
    if consultation > 0:
        consulters = [i for i in range(n) if rng.random() < consultation]
        for i in consulters:
            d = int(rng.random() * m)
            if entries[d] != 0:
                beliefs[i][d] = entries[d]
                found += 1
    return written, found


def reference_phase(world: World) -> None:
    """``reference_rule`` as a phase: the world's arrays to lists and back."""
    beliefs = world.state.beliefs.tolist()
    entries = world.extra["repository"].tolist()
    written, found = reference_rule(
        beliefs,
        entries,
        world.rng,
        world.param("repository_contribution_rate"),
        world.param("repository_consultation_rate"),
    )
    world.state.beliefs[:] = beliefs
    world.extra["repository"][:] = entries
    world.counts["repository_contributions"] += written
    world.counts["repository_consultations"] += found


class FastModel(CommunityModel):
    extensions = (EXTENSION,)


class ReferenceModel(CommunityModel):
    """The model with the extension's phase replaced by the slow reference."""

    extensions = (replace(EXTENSION, phases=(replace(EXTENSION.phases[0], run=reference_phase),)),)


def random_world(seed: int) -> World:
    """A small world with random beliefs (some undecided), a part-filled repository, rates."""
    draw = np.random.default_rng([seed, 99])
    rates = {
        "repository_contribution_rate": float(draw.choice([0.0, 1.0, draw.random()])),
        "repository_consultation_rate": float(draw.choice([0.0, 1.0, draw.random()])),
    }
    n, m = int(draw.integers(2, 80)), int(draw.integers(1, 15))
    model = FastModel({"n_agents": n, "m": m, "seed": seed, "agent_sample_size": 0, **rates})
    world = model.world
    world.state.beliefs[:] = draw.integers(-1, 2, size=(n, m))
    world.extra["repository"][:] = draw.integers(-1, 2, size=m) * (draw.random(m) < 0.5)
    return world


@pytest.mark.parametrize("seed", range(40))
def test_the_phase_equals_the_reference_exactly(seed: int) -> None:
    fast = random_world(seed)
    slow = copy.deepcopy(fast)  # the same state and the same random stream
    repository.consult_and_contribute(fast)
    reference_phase(slow)
    np.testing.assert_array_equal(fast.state.beliefs, slow.state.beliefs)
    np.testing.assert_array_equal(fast.extra["repository"], slow.extra["repository"])
    assert fast.counts == slow.counts
    assert fast.rng.random() == slow.rng.random()  # both drew the same numbers


def test_a_run_with_the_reference_phase_is_the_same_run() -> None:
    config = {
        **SMALL,
        "steps": 30,
        "turnover_rate": 0.05,
        "turbulence_rate": 0.05,
        "repository_contribution_rate": 0.1,
        "repository_consultation_rate": 0.2,
    }
    fast, slow = FastModel(config), ReferenceModel(config)
    fast.run()
    slow.run()
    assert fast.model_frame()["repository_consultations"].sum() > 0
    pd.testing.assert_frame_equal(fast.model_frame(), slow.model_frame())


# --- with its rates at 0 the extension changes nothing ------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        {"turnover_rate": 0.05, "turbulence_rate": 0.02},
        {"community": False, "voice": False, "socialisation_rate": 0.5},
        {"task": "nk", "nk_k": 3, "turbulence_rate": 0.02},
    ],
    ids=["community", "march", "nk"],
)
def test_with_its_rates_at_zero_no_number_of_the_built_in_model_changes(setting) -> None:
    config = {**SMALL, "steps": 40, "seed": 3, **setting}
    built_in = commsim.run(config).model
    extended = commsim.run({**config, "extensions": ["repository"]}).model
    pd.testing.assert_frame_equal(extended[built_in.columns], built_in)
    assert (extended["repository_contributions"] == 0).all()
    assert (extended["repository_coverage"] == 0).all()


# --- what it does ---------------------------------------------------------------------------


def test_what_is_written_stays_when_its_writers_leave() -> None:
    """[CSL]: with everybody replaced every step, the repository only fills up."""
    model = FastModel(
        {**SMALL, "turnover_rate": 1.0, "repository_contribution_rate": 0.05, "steps": 20}
    )
    model.run()
    coverage = model.model_frame()["repository_coverage"]
    assert coverage.iloc[-1] > 0.5 and coverage.is_monotonic_increasing


def test_the_metrics_read_the_repository() -> None:
    model = FastModel({**SMALL, "steps": 5})
    world = model.world
    entries = world.extra["repository"]
    entries[:] = 0
    entries[:6] = world.environment.target[:6]
    entries[6:9] = -world.environment.target[6:9]
    assert repository.coverage(world) == 9 / 12
    assert repository.knowledge(world) == pytest.approx((6 - 3) / 12)


def test_the_lever_removes_the_wrong_entries_research_finds() -> None:
    model = FastModel({**SMALL, "research_noise": 0.0, "steps": 5})
    world = model.world
    target = world.environment.target
    entries = world.extra["repository"]
    entries[:] = np.where(np.arange(12) % 3 == 0, -target, target)  # every third one wrong
    entries[1] = 0
    model.intervene("curate_repository", share=1.0)
    expected = np.where(np.arange(12) % 3 == 0, 0, target)
    expected[1] = 0
    np.testing.assert_array_equal(entries, expected)
    assert model.intervention_frame().action.tolist() == ["curate_repository"]
    with pytest.raises(ConfigError, match=r"field 'share'"):
        model.intervene("curate_repository", share=0.0)


def test_the_scenario_file_switches_it_on_and_schedules_its_lever() -> None:
    result = commsim.run(SCENARIO, steps=101, n_agents=60, agent_sample_size=0)
    assert result.manifest["extensions"] == {"repository": "0.1.0"}  # as installed
    assert result.model["repository_consultations"].sum() > 0
    assert result.model["repository_coverage"].between(0, 1).all()
    assert result.interventions[["step", "action"]].values.tolist() == [[100, "curate_repository"]]


def test_the_entry_point_names_the_extension() -> None:
    assert "repository" in extensions.installed()
    found = extensions.get("repository")
    assert found == EXTENSION.with_version("0.1.0")
    names = [p.name for p in found.parameters]
    assert names == ["repository_contribution_rate", "repository_consultation_rate"]
