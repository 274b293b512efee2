"""Entrenchment, double-loop learning and the structural shock (docs/MODEL.md 7.21)."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.config import ConfigError, load_config
from commsim.levers import LEVERS
from commsim.model import CommunityModel, ReferenceModel, double_loop
from commsim.model.nk_landscape import NKLandscape
from commsim.model.reality import RealityVector

from .conftest import CONFIGS

SMALL = {"n_agents": 40, "m": 12, "agent_sample_size": 0}
COLUMNS = ("belief_changes", "entrenched", "reframings", "double_loop_share", "recovery_time")


def names(model: CommunityModel) -> list[str]:
    return [phase.name for phase in model._active]


def test_idle_by_default_no_phase_no_column_no_lever() -> None:
    model = CommunityModel(None, **SMALL)
    model.run(3)
    assert not {"remember_frames", "entrench", "double_loop"} & set(names(model))
    assert not set(COLUMNS) & set(model.model_frame().columns)
    shock = next(lever for lever in LEVERS if lever.name == "structural_shock")
    assert not shock.offered(model.config)
    assert shock.offered(load_config(None, entrenchment=0.1))


def test_entrenchment_alone_runs_no_reframing() -> None:
    model = CommunityModel(None, entrenchment=0.5, **SMALL)
    assert "entrench" in names(model) and "double_loop" not in names(model)


def test_full_attachment_keeps_every_belief() -> None:
    """entrenchment 1 from the first step of tenure: every change is undone."""
    model = CommunityModel(None, entrenchment=1.0, entrenchment_horizon=1, **SMALL)
    start = model.state.beliefs.copy()
    model.run(10)
    frame = model.model_frame()
    assert (model.state.beliefs == start).all()
    assert frame["belief_changes"].sum() == 0 and frame["entrenched"].sum() > 0


def test_attachment_grows_with_tenure_up_to_the_horizon() -> None:
    model = CommunityModel(None, entrenchment=0.8, entrenchment_horizon=10, **SMALL)
    world = model.world
    world.step = 20
    world.state.joined[:4] = [20, 15, 10, 0]
    assert double_loop.attachment(world, np.arange(4)).tolist() == pytest.approx(
        [0.0, 0.4, 0.8, 0.8]
    )


def test_a_code_fully_entrenched_keeps_its_practice_and_dates_no_change() -> None:
    """code_entrenchment 1 with a horizon of one step: every change of the code is undone,
    and the insights that made them no longer stand behind it."""
    model = CommunityModel(None, code_entrenchment=1.0, entrenchment_horizon=1, **SMALL)
    start = model.state.code.copy()
    model.run(15)
    frame = model.model_frame()
    assert (model.state.code == start).all()
    assert frame["code_entrenched"].sum() > 0 and frame["code_changes"].sum() > 0
    assert (model.world.memory.source == -1).all()
    assert (double_loop.frames(model.world).code_changed == 0).all()


def test_the_code_s_attachment_grows_with_the_age_of_its_practice() -> None:
    model = CommunityModel(None, code_entrenchment=1.0, entrenchment_horizon=10, **SMALL)
    world, own = model.world, double_loop.frames(model.world)
    world.step = 20
    own.code_changed[:2] = [20, 0]  # changed this very step, or standing since the start
    before = world.scratch["code_before"] = world.state.code.copy()
    world.state.code[:2] = np.where(before[:2] == 1, -1, 1)  # both change this step
    changed = world.state.code[:2].copy()
    double_loop.entrench_code(world)
    assert world.state.code[0] == changed[0]  # age 0: no attachment, the change stays
    assert world.state.code[1] == before[1]  # full age: undone
    assert own.code_changed[:2].tolist() == [20, 0]


def test_entrenchment_slows_learning() -> None:
    base = {"steps": 40, **SMALL}
    free = CommunityModel(None, entrenchment=1e-9, seed=3, **base)
    held = CommunityModel(None, entrenchment=0.9, entrenchment_horizon=5, seed=3, **base)
    free.run()
    held.run()
    assert (
        held.model_frame()["mean_knowledge"].iloc[-1]
        < free.model_frame()["mean_knowledge"].iloc[-1]
    )


def eligible_world(**overrides: object) -> tuple[CommunityModel, np.ndarray]:
    """A model one step in, with every member safe and performing below its aspiration."""
    given = SMALL | {"double_loop_rate": 1.0, "double_loop_safety": 0.0} | overrides
    model = CommunityModel(None, seed=5, **given)
    model.run(1)
    world = model.world
    world.step = 2
    world.scratch["performance"] = np.zeros(world.state.n)
    double_loop.frames(world).aspiration = np.ones(world.state.n)
    return model, world.state.beliefs.copy()


def test_a_reframer_adopts_the_best_block_it_tries() -> None:
    """Blocks of 2 dimensions, 64 tries: the right setting is among them, almost surely."""
    model, before = eligible_world(double_loop_block=2, double_loop_tries=64)
    world = model.world
    double_loop.reframe(world)
    target = world.environment.target
    after = world.state.beliefs
    assert world.counts["reframings"] == world.state.n
    changed = after != before
    # only a block of two neighbouring dimensions moved, and each move is toward reality
    assert (changed.sum(axis=1) <= 2).all()
    assert (after[changed] == np.broadcast_to(target, after.shape)[changed]).all()
    assert world.counts["double_loop_changes"] == changed.sum()


def test_reframing_needs_safety_and_a_fall() -> None:
    model, before = eligible_world(double_loop_safety=1.0)
    world = model.world
    world.state.safety[:] = 0.99
    double_loop.reframe(world)
    assert world.counts["reframings"] == 0 and (world.state.beliefs == before).all()
    model, before = eligible_world()
    double_loop.frames(model.world).aspiration = np.zeros(model.world.state.n)  # no gap
    double_loop.reframe(model.world)
    assert model.world.counts["reframings"] == 0


def test_on_a_landscape_the_block_is_a_bit_and_its_dependencies() -> None:
    model = CommunityModel(None, task="nk", nk_k=3, double_loop_rate=0.5, **SMALL)
    mask = double_loop.blocks(model.world, np.array([0, 7]))
    deps = model.world.environment.deps
    for row, centre in enumerate((0, 7)):
        assert set(np.flatnonzero(mask[row])) == set(deps[centre].tolist())


def test_structural_shock_on_a_landscape_rewires_and_keeps_tables() -> None:
    landscape = NKLandscape(12, 3, np.random.default_rng(1))
    deps, tables = landscape.deps.copy(), landscape.tables.copy()
    loci = landscape.restructure(0.25, np.random.default_rng(2))
    assert loci.size == 3
    moved = np.flatnonzero((landscape.deps != deps).any(axis=1))
    assert set(moved) <= set(loci.tolist()) and moved.size > 0
    assert (landscape.deps[:, 0] == np.arange(12)).all()  # each bit still depends on itself
    assert (landscape.tables == tables).all()
    assert landscape.score(landscape.target[None, :])[0] == pytest.approx(1.0)


def test_structural_shock_on_reality_reverses_a_run_of_neighbours() -> None:
    reality = RealityVector(20, np.random.default_rng(1))
    before = reality.target.copy()
    dims = reality.restructure(0.25, np.random.default_rng(3))
    flipped = np.flatnonzero(reality.target != before)
    assert flipped.tolist() == dims.tolist() and dims.size == 5
    runs = [{(start + j) % 20 for j in range(5)} for start in range(20)]
    assert set(dims.tolist()) in runs


def test_recovery_time_after_a_structural_shock() -> None:
    shock = {"step": 10, "action": "structural_shock", "share": 0.3}
    model = CommunityModel(
        None, double_loop_rate=0.2, steps=60, interventions=[shock], seed=2, **SMALL
    )
    model.run()
    recovery = model.model_frame()["recovery_time"]
    assert recovery.iloc[:10].isna().all()
    assert recovery.iloc[-1] >= 1


def test_march_block_stays_unfused_when_on() -> None:
    model = CommunityModel(CONFIGS / "march1991.toml", entrenchment=0.5)
    assert "march_block" not in names(model)


def test_a_block_wider_than_the_task_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"double_loop_block.*at most m = 12"):
        load_config(None, m=12, double_loop_rate=0.1, double_loop_block=13)
    load_config(None, m=12, double_loop_block=13)  # unused while the mechanism is off


def test_the_aspiration_follows_performance_and_a_newcomer_starts_at_its_own() -> None:
    model, _ = eligible_world(double_loop_aspiration=0.25, double_loop_rate=1e-9)
    world = model.world
    world.state.joined[0] = world.step  # a newcomer this step: no gap yet
    world.scratch["performance"] = np.full(world.state.n, 0.5)
    double_loop.reframe(world)
    aspiration = double_loop.frames(world).aspiration
    assert aspiration[0] == 0.5  # its own first performance
    assert aspiration[1:] == pytest.approx(1.0 + 0.25 * (0.5 - 1.0))


@pytest.mark.parametrize("rate", [0.0, 0.3])
def test_a_thinned_run_carries_only_the_events_it_records(rate: float) -> None:
    """Off, the mechanism's counters are no columns and nothing is carried into them; on,
    a thinned row sums the steps since the last one."""
    full = CommunityModel(None, double_loop_rate=rate, seed=4, **SMALL)
    thin = CommunityModel(None, double_loop_rate=rate, seed=4, **SMALL)
    full.run(10)
    thin.run(10, record_every=5)
    rows = thin.model_frame()
    assert rows.step.tolist() == [0, 5, 10]
    total = full.model_frame().insights_generated.sum()
    assert rows.insights_generated.sum() == total
    if rate:
        assert rows.reframings.sum() == full.model_frame().reframings.sum() > 0


def test_the_code_s_entrenchment_alone_records_the_mechanism_in_both_models() -> None:
    """One switch of three: the oracle records 7.21's columns where the fast model does."""
    params = {"code_entrenchment": 0.5, "steps": 3, **SMALL}
    fast, slow = CommunityModel(None, **params), ReferenceModel(None, **params)
    fast.run()
    slow.run()
    wanted = {"code_entrenched", "belief_changes", "code_age", "code_rigidity"}
    assert wanted <= set(fast.model_frame()) and wanted <= set(slow.model_frame())
