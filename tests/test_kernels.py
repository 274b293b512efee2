"""The compiled kernels and their NumPy twins: the same numbers for the same input, and the
same run for a seed whether numba is installed or not (``COMMSIM_NO_NUMBA=1``)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import commsim.model
from commsim.model import kernels
from commsim.model.learning import adoption_chances, code_changes, socialise_beliefs
from commsim.model.memory import crossings, diffuse, diffusing
from commsim.model.metrics import member_sums, tally
from commsim.model.model import CommunityModel
from commsim.model.reality import act, row_score
from commsim.model.state import approach_by_powers
from commsim.model.voice import HEARD, voice_fates

needs_numba = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba is not installed"
)
ROOT = Path(__file__).resolve().parents[1]


def beliefs(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """A belief matrix in the model's layout (Fortran order), -1/0/+1."""
    return np.asfortranarray(rng.integers(-1, 2, size=(n, m)).astype(np.int8))


def same(a: Any, b: Any) -> bool:
    """Equal values, and for arrays equal dtypes and shapes too."""
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    return bool(a == b)


def test_the_stream_is_splitmix64_seeded_with_the_key() -> None:
    # the first outputs of SplitMix64 seeded with 0 (Steele, Lea & Flood 2014)
    first = kernels.splitmix64(np.uint64(0), np.arange(3))
    assert [hex(int(x)) for x in first] == [
        "0xe220a8397b1dcdaf",
        "0x6e789e6aa1b965f4",
        "0x6c45d188009454f",
    ]
    # number k depends on (key, k) only: any subset, in any order, gives the same numbers
    some = np.array([7, 2, 1000, 2])
    assert same(
        kernels.splitmix64(np.uint64(99), some),
        kernels.splitmix64(np.uint64(99), np.arange(1001))[some],
    )


SHAPES = [(1, 1), (63, 30), (64, 30), (65, 7), (1000, 30), (300, 70)]


@needs_numba
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_act_tally_and_row_score_loops_equal_their_twins(n: int, m: int) -> None:
    rng = np.random.default_rng(n * m)
    b = beliefs(rng, n, m)
    reality = (2 * rng.integers(0, 2, size=m) - 1).astype(np.int8)
    key = kernels.draw_key(rng)
    compiled = act.compiled()(b, reality, key)
    assert same(compiled, act.twin(b, reality, key))
    assert compiled[0].flags.f_contiguous
    assert same(tally.compiled()(b, reality), tally.twin(b, reality))
    for row in (b[0], b[-1].copy(), np.zeros(m, np.int8)):  # a view, a copy, no view at all
        score = row_score.compiled()(row, reality)
        assert score == row_score.twin(row, reality) == int(np.dot(row.astype(int), reality))


@needs_numba
@pytest.mark.parametrize(("n", "m"), SHAPES)
@pytest.mark.parametrize("gradual", [True, False])
@pytest.mark.parametrize("source_role", [1, -1])
def test_socialise_loops_equal_their_twin(n: int, m: int, gradual: bool, source_role: int) -> None:
    rng = np.random.default_rng(n + m)
    start = beliefs(rng, n, m)
    code = rng.integers(-1, 2, size=m).astype(np.int8)
    rate = rng.choice([0.0, 0.1, 0.9, 1.0], size=n)
    learning_rate = rng.uniform(1.0, 2.0, size=n)  # p above 1 is capped at 1
    role = rng.integers(0, 3, size=n).astype(np.int8)
    access = np.array([0.8, 1.0, 1.0])
    from_insight = rng.random(m) < 0.5
    key = kernels.draw_key(rng)
    args = (code, rate, learning_rate, role, access, source_role, key, gradual, from_insight)
    a, b = start.copy(order="F"), start.copy(order="F")
    assert same(socialise_beliefs.compiled()(a, *args), socialise_beliefs.twin(b, *args))
    assert same(a, b)
    moved = a != start
    assert not moved[:, code == 0].any()  # no view, no move
    assert (np.abs(a.astype(int) - code) <= np.abs(start.astype(int) - code)).all()
    assert not moved[rate == 0].any()


@needs_numba
@pytest.mark.parametrize("n", [1, 100, 5000])
def test_bernoulli_member_sums_and_approach_loops_equal_their_twins(n: int) -> None:
    rng = np.random.default_rng(n)
    p = rng.choice([0.0, 0.05, 0.5, 1.0, 1.5], size=n)
    key = kernels.draw_key(rng)
    assert same(kernels.bernoulli_rows.compiled()(p, key), kernels.bernoulli_rows.twin(p, key))

    scores = rng.integers(-30, 31, size=n)
    safety = rng.random(n)
    fast = rng.random(n) < 0.3
    level = np.sort(rng.integers(0, 5, size=n))[::-1].astype(np.int16)
    role = rng.integers(0, 3, size=n).astype(np.int8)
    args = (scores, 30, safety, fast, level, 6, role)
    assert same(member_sums.compiled()(*args), member_sums.twin(*args))

    rows = rng.integers(0, n, size=3 * n)
    powers = 0.9 ** np.arange(rows.size + 1)
    a, b = safety.copy(), safety.copy()
    approach_by_powers.compiled()(a, 1.0, powers, rows)
    approach_by_powers.twin(b, 1.0, powers, rows)
    assert same(a, b)


@needs_numba
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_code_changes_loops_equal_their_twin(n: int, m: int) -> None:
    rng = np.random.default_rng(n * m)
    views = beliefs(rng, n, m)
    code = rng.integers(-1, 2, size=m).astype(np.int8)
    chances = adoption_chances(0.5, n)
    for rows in (np.empty(0, np.int64), np.flatnonzero(rng.random(n) < 0.5), np.arange(n)):
        uniforms = rng.random(m)
        for tacit in (0, m // 3, m):
            args = (views, rows, code, uniforms, chances, tacit)
            dims, values = code_changes.compiled()(*args)
            assert same((dims, values), code_changes.twin(*args))
            assert (dims >= tacit).all() and (values != code[dims]).all()


@needs_numba
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_crossings_loops_equal_their_twin(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    for _ in range(5):
        code = rng.integers(-1, 2, size=m).astype(np.int8)
        plus = rng.integers(0, n + 1, size=m)
        minus = rng.integers(0, n + 1 - plus)
        live, diffused = rng.random(m) < 0.7, rng.random(m) < 0.3
        for threshold in (0.0, 0.5, plus[0] / n, 1.0):  # plus[0] / n: a reach at the threshold
            args = (code, plus, minus, n, live, diffused, threshold)
            reach, dims = crossings.compiled()(*args)
            assert same((reach, dims), crossings.twin(*args))
            assert (live[dims] & ~diffused[dims] & (reach[dims] >= threshold)).all()


@needs_numba
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_diffusing_loops_equal_their_twin_and_crossings(n: int, m: int) -> None:
    """From the beliefs, the same dimensions and reach as ``crossings`` from the tally."""
    rng = np.random.default_rng(7 * n + m)
    for _ in range(5):
        matrix = beliefs(rng, n, m)
        code = rng.integers(-1, 2, size=m).astype(np.int8)
        source = np.where(rng.random(m) < 0.7, rng.integers(0, 9, size=m), -1)
        live, diffused = source >= 0, rng.random(m) < 0.3
        _, plus, minus, _ = tally(matrix, code)
        for threshold in (0.0, 0.3, plus[0] / n, 1.0):
            args = (matrix, code, source, diffused, threshold)
            dims, reach = diffusing.compiled()(*args)
            assert same((dims, reach), diffusing.twin(*args))
            every, crossed = crossings.twin(code, plus, minus, n, live, diffused, threshold)
            assert same((dims, reach), (crossed, every[crossed]))


@needs_numba
@pytest.mark.parametrize("n", [1, 4, 500])
def test_diffuse_loops_equal_their_twin(n: int) -> None:
    """The same marks, times and logged rows (adopters rounded half to even) both ways."""
    rng = np.random.default_rng(n)
    m = 30
    for k in (0, 1, 7):
        dims = rng.choice(m, size=k, replace=False)
        reach = np.where(rng.random(k) < 0.5, (np.arange(k) + 0.5) / n, rng.random(k))
        source, codified_at = rng.integers(0, 99, size=m), rng.integers(0, 20, size=m)
        before, outputs = rng.random(m) < 0.2, []
        for run in (diffuse.compiled(), diffuse.twin):
            diffused, events = before.copy(), np.full((4, 12), -7, np.int64)
            times = run(dims, reach, n, 25, source, diffused, codified_at, events, 3)
            outputs.append((times, diffused, events))
            assert diffused[dims].all() and (diffused == before | np.isin(np.arange(m), dims)).all()
            assert (events[:, :3] == -7).all() and (events[:, 3 + k :] == -7).all()
        assert same(outputs[0], outputs[1])
        times, _, events = outputs[0]
        assert same(times, 25 - codified_at[dims])
        assert same(events[0, 3 : 3 + k], source[dims])
        assert same(events[3, 3 : 3 + k], np.round(reach * n).astype(np.int64))


def test_the_adoption_table_is_march_s_chance_for_every_margin() -> None:
    chances = adoption_chances(0.9, 40)
    margins = np.arange(41)
    assert np.array_equal(chances[margins], 1.0 - (1.0 - 0.9) ** margins)
    assert chances[0] == 0.0 and not chances.flags.writeable


@needs_numba
@pytest.mark.parametrize("hero", [-1, 0])
def test_voice_loops_equal_their_twin(hero: int) -> None:
    model = CommunityModel(None, n_agents=400, exploration_rate=0.4, insight_ttl=3, seed=3)
    model.run(6)
    state, ledger = model.state, model.ledger
    assert ledger.pool_size > 50
    args = (
        ledger.pool,
        state.manager,
        state.level,
        state.safety,
        state.punitiveness,
        state.beliefs,
        hero,
        0.7 ** np.arange(model.n_levels),
        model.config.insight_ttl,
        model.steps,
        np.uint64(12345),
    )
    order, counts, targets = voice_fates.compiled()(*args)
    assert same((order, counts, targets), voice_fates.twin(*args))
    assert counts.sum() == ledger.pool_size and counts[HEARD] > 0


KERNELS = [
    act,
    row_score,
    socialise_beliefs,
    code_changes,
    crossings,
    diffusing,
    diffuse,
    tally,
    member_sums,
    kernels.bernoulli_rows,
    voice_fates,
    approach_by_powers,
]


def test_every_kernel_is_tested_here_and_lives_where_it_says() -> None:
    """A kernel found in any module of the model is one this file runs both ways, and it
    names the module that defines it (where an IDE's jump lands)."""
    found: dict[int, kernels.Kernel] = {}
    for info in pkgutil.iter_modules(commsim.model.__path__, "commsim.model."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, kernels.Kernel) and value.__module__ == info.name:
                found[id(value)] = value
    assert set(found) == {id(k) for k in KERNELS}


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.__name__)
def test_a_kernel_shows_its_twins_name_signature_and_docstring(kernel: kernels.Kernel) -> None:
    """What a reader, ``help`` or an IDE sees of a call: the twin's ``def``."""
    twin = kernel.twin
    assert (kernel.__name__, kernel.__module__, kernel.__doc__) == (
        twin.__name__,
        twin.__module__,
        twin.__doc__,
    )
    assert kernel.__doc__ and inspect.signature(kernel) == inspect.signature(twin)
    assert "return" in kernel.__annotations__ and kernel.__wrapped__ is twin


def test_the_streams_are_fair() -> None:
    """Trials succeed at their probability and coins are fair, within 5 standard errors."""
    n = 200_000
    key = np.uint64(2024)
    for p in (0.02, 0.3, 0.5):
        share = kernels.bernoulli_rows(np.full(n, p), key).size / n
        assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / n)
    actions, _ = act(np.zeros((n // 20, 20), np.int8, order="F"), np.ones(20, np.int8), key)
    assert abs(actions.mean()) < 5 / np.sqrt(actions.size)
    # neighbouring members' and dimensions' coins are uncorrelated
    assert abs(np.mean(actions[1:] * actions[:-1])) < 5 / np.sqrt(actions.size)
    assert abs(np.mean(actions[:, 1:] * actions[:, :-1])) < 5 / np.sqrt(actions.size)


# --- whole runs: numba and the NumPy fallback give the same tables -----------------------

RUNS: dict[str, dict[str, Any]] = {
    "nk landscape, whole community, small world, copy the best": {
        "n_agents": 120,
        "m": 14,
        "task": "nk",
        "nk_k": 3,
        "network": "small_world",
        "peer_learning": "best_neighbour",
        "neighbour_learning_rate": 0.5,
        "copy_error": 0.1,
        "turbulence_rate": 0.05,
    },
    "subgroups, superior majority": {
        "n_agents": 60,
        "voice": False,
        "community": False,
        "network": "subgroups",
        "subgroups": 6,
        "cross_group_linking": 0.2,
        "peer_learning": "superior_majority",
        "neighbour_learning_rate": 0.5,
    },
    "default, churn and interventions": {
        "n_agents": 300,
        "turnover_rate": 0.03,
        "turbulence_rate": 0.05,
        "agent_sample_size": 20,
        "interventions": [
            {"step": 5, "action": "reorganisation_shock", "share": 0.5},
            {"step": 8, "action": "add_capacity_builders", "share": 0.2},
            {"step": 9, "action": "flatten_hierarchy"},
        ],
    },
    "hero, jump, knowledge": {
        "n_agents": 200,
        "leadership": "hero",
        "socialisation_mode": "jump",
        "superior_basis": "knowledge",
    },
    "march, mixed": {
        "n_agents": 50,
        "voice": False,
        "community": False,
        "exploration_rate": 0.0,
        "neighbour_learning_rate": 0.0,
        "code_learning_rate": 0.9,
        "fast_learner_share": 0.4,
    },
}

_RUN = """
import pickle, sys
from commsim.model import kernels
from commsim.model.model import CommunityModel
runs = pickle.loads(bytes.fromhex(sys.argv[1]))
out = {}
for name, params in runs.items():
    model = CommunityModel(None, steps=25, seed=4, **params)
    model.run()
    out[name] = (model.model_frame(), model.agent_frame(), model.insight_frame())
sys.stdout.buffer.write(pickle.dumps((kernels.HAVE_NUMBA, out)))
"""


def run_elsewhere(numba: bool) -> tuple[bool, dict[str, tuple[pd.DataFrame, ...]]]:
    env = dict(os.environ)
    env.pop(kernels.NO_NUMBA_ENV, None)
    if not numba:
        env[kernels.NO_NUMBA_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _RUN, pickle.dumps(RUNS).hex()],
        env=env,
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return pickle.loads(done.stdout)


@needs_numba
def test_runs_are_identical_with_numba_and_with_the_numpy_fallback() -> None:
    compiled, fallback = run_elsewhere(numba=True), run_elsewhere(numba=False)
    assert (compiled[0], fallback[0]) == (True, False)
    for name in RUNS:
        for ours, theirs in zip(compiled[1][name], fallback[1][name], strict=True):
            pd.testing.assert_frame_equal(ours, theirs, check_exact=True, obj=name)


def test_the_model_imports_without_numba_and_the_switch_turns_it_off() -> None:
    probe = (
        "import sys; import commsim.model.model; from commsim.model import kernels; "
        "print('numba' in sys.modules, kernels.HAVE_NUMBA)"
    )
    env = dict(os.environ, **{kernels.NO_NUMBA_ENV: "1"})
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"]  # numba is never imported at import time
