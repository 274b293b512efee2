"""Scenario discovery (commsim discover): PRIM and CART find a failure region planted in a
known box, every refusal is one clear line, and the CLI writes only where it should."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import commsim
from commsim.cli import app
from commsim.experiment.discovery import Outcome, cases, discover

PARAMS = ["initial_safety", "punitiveness", "integration", "authority_gradient"]
runner = CliRunner()


def _frame(n: int = 400, seed: int = 7, flip: float = 0.03) -> pd.DataFrame:
    """A sweep's tidy frame, one row per run at step 100: code knowledge is low exactly when
    initial_safety < 0.3 and punitiveness > 0.6 (and ``flip`` of the runs lie)."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, len(PARAMS))), columns=PARAMS)
    fails = (x["initial_safety"] < 0.3) & (x["punitiveness"] > 0.6)
    fails ^= rng.uniform(size=n) < flip
    knowledge = np.where(fails, rng.uniform(0.2, 0.55, n), rng.uniform(0.65, 1.0, n))
    ids = pd.DataFrame(
        {"run_id": [f"r{i:04d}" for i in range(n)], "point": range(n), "repetition": 0, "seed": 1}
    )
    return pd.concat([ids, x], axis=1).assign(step=100, code_knowledge=knowledge)


def _found(method: str, **kwargs: object) -> object:
    x, y, outcome = cases(_frame(**kwargs), PARAMS, Outcome("code_knowledge", 0.6))  # type: ignore[arg-type]
    return discover(x, y, outcome, method)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "flip"), [("prim", 0.03), ("cart", 0.0)])
def test_the_planted_box_is_found(method: str, flip: float) -> None:
    found = _found(method, flip=flip)
    box = found.box.set_index("parameter")
    assert set(found.restricted) == {"initial_safety", "punitiveness"}
    assert box.loc["initial_safety", "high"] == pytest.approx(0.3, abs=0.05)
    assert box.loc["punitiveness", "low"] == pytest.approx(0.6, abs=0.05)
    assert found.coverage >= 0.8 and found.density >= 0.8
    # the planted box holds 0.3 x 0.4 = 12% of the space
    assert found.mass == pytest.approx(0.12, abs=0.04)
    assert found.trajectory["chosen"].sum() == 1
    assert found.warning is None


def test_cart_on_noisy_runs_finds_a_dense_leaf_inside_the_box_the_same_each_time() -> None:
    # 3% of runs lie: the tree splits the planted box in two leaves (on a parameter that
    # does not matter, chasing the liars) and the chosen one is the larger
    found = _found("cart")
    box = found.box.set_index("parameter")
    assert {"initial_safety", "punitiveness"} <= set(found.restricted)
    assert box.loc["initial_safety", "high"] < 0.35 and box.loc["punitiveness", "low"] > 0.55
    assert found.density >= 0.8 and found.coverage >= 0.3
    assert found.box.equals(_found("cart").box)
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    _found("cart")
    assert (np.random.get_state()[1] == state).all()  # noqa: NPY002 (left as it was)


def test_prim_chooses_the_densest_box_covering_enough() -> None:
    found = _found("prim")
    t = found.trajectory
    enough = t[t["coverage"] >= 0.8]
    assert found.density == enough["density"].max()
    # the trajectory starts with the whole space and only ever loses mass while peeling
    assert t["mass"].iloc[0] == 1.0 and t["coverage"].iloc[0] == 1.0


def test_above_flips_the_cases_and_counters_are_run_totals() -> None:
    frame = _frame()
    late = frame.assign(step=200)
    # an event counter over two recorded rows: its run total, not its last row, is the outcome
    both = pd.concat([frame, late]).assign(insights_suppressed=lambda f: f["code_knowledge"])
    _, y, outcome = cases(both, PARAMS, Outcome("insights_suppressed", 1.6, below=False))
    assert outcome.statistic == "total"
    assert y.sum() == (2 * frame["code_knowledge"] > 1.6).sum() > 0
    _, y2, _ = cases(frame, PARAMS, Outcome("code_knowledge", 0.6, below=False))
    assert (y2 == (frame["code_knowledge"] > 0.6).to_numpy()).all()
    assert "above 1.6" in outcome.describe()


def test_text_parameters_are_categories_for_prim_and_refused_by_cart() -> None:
    frame = _frame()
    rng = np.random.default_rng(3)
    frame["network"] = rng.choice(["small_world", "tree", "random"], len(frame))
    low = (frame["network"] == "tree") & (frame["integration"] < 0.5)
    frame["code_knowledge"] = np.where(low, 0.3, 0.9)
    x, y, outcome = cases(frame, [*PARAMS, "network"], Outcome("code_knowledge", 0.6))
    found = discover(x, y, outcome, "prim")
    box = found.box.set_index("parameter")
    assert box.loc["network", "low"] == "{tree}"
    assert {"network", "integration"} <= set(found.restricted)
    assert found.coverage >= 0.8 and found.density >= 0.8
    with pytest.raises(ValueError, match=r"CART cannot split text parameters.*network.*prim"):
        discover(x, y, outcome, "cart")


def test_booleans_are_zero_or_one() -> None:
    frame = _frame().assign(flag=lambda f: f["integration"] > 0.5)
    x, _, _ = cases(frame, [*PARAMS, "flag"], Outcome("code_knowledge", 0.6))
    assert set(x["flag"]) == {0, 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f, "nothing to discover: all 400 runs are below 2"),
        (lambda f: f, "nothing to discover: none of the 400 runs are below -1"),
        (lambda f: f.head(12), "at least 20 finished runs; this sweep has 12"),
        (
            lambda f: f.assign(punitiveness=0.2, integration=0.5, authority_gradient=0.1),
            "at least 2 varied parameters; this sweep varies 1 (initial_safety)",
        ),
        (lambda f: f.assign(code_knowledge=np.nan), "undefined (NaN) in 400 of 400 runs"),
    ],
)
def test_refusals_are_one_clear_line(change: object, message: str) -> None:
    threshold = 2.0 if "below 2" in message else -1.0 if "below -1" in message else 0.6
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cases(change(_frame()), PARAMS, Outcome("code_knowledge", threshold))  # type: ignore[operator]


def test_unknown_metric_method_and_coverage_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown metric 'code_knowlege'; did you mean"):
        cases(_frame(), PARAMS, Outcome("code_knowlege", 0.6))
    x, y, outcome = cases(_frame(), PARAMS, Outcome("code_knowledge", 0.6))
    with pytest.raises(ValueError, match="unknown method 'tree'"):
        discover(x, y, outcome, "tree")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"threshold coverage must be in \(0, 1\]"):
        discover(x, y, outcome, "prim", threshold_coverage=1.5)


def test_few_failing_runs_warn() -> None:
    frame = _frame(flip=0.0)
    frame["code_knowledge"] = np.where(frame.index < 5, 0.1, 0.9)
    x, y, outcome = cases(frame, PARAMS, Outcome("code_knowledge", 0.6))
    assert "only 5 of 400 runs fail" in (discover(x, y, outcome).warning or "")


# --- on a real sweep, through the API and the command line -----------------------------------

TINY = """
name = "tiny_discovery"
base = "{base}"
steps = 20
seed = 5
[overrides]
n_agents = 40
m = 10
agent_sample_size = 0
[design]
kind = "latin"
samples = 30
[parameters]
initial_safety = {{ distribution = "uniform", low = 0.05, high = 0.95 }}
punitiveness = {{ distribution = "uniform", low = 0.0, high = 0.9 }}
integration = {{ distribution = "uniform", low = 0.05, high = 0.95 }}
[record]
every = "end"
metrics = ["code_knowledge", "mean_knowledge", "insights_suppressed"]
insights = false
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("discovery")
    base = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    path = root / "tiny.toml"
    path.write_text(TINY.format(base=base))
    out = root / "sweep"
    commsim.sweep(path, out, workers=1)
    return out


def _median(sweep_dir: Path) -> float:
    values = commsim.load_results(sweep_dir, metrics="mean_knowledge")["mean_knowledge"]
    return float(values.median())


def _invoke(*args: object) -> object:
    return runner.invoke(app, ["discover", *[str(a) for a in args]])


def test_cli_prints_the_box_and_writes_figures_and_tables(sweep_dir: Path) -> None:
    median = _median(sweep_dir)
    result = _invoke(sweep_dir, "--metric", "mean_knowledge", "--below", median)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    assert "tiny_discovery: 30 of 30 runs" in out and "15 of 30 runs" in out
    for word in ("parameter", "low", "high", "restricted", "coverage", "density", "mass"):
        assert word in out
    folder = sweep_dir / "discovery"
    stem = "discovery_prim_mean_knowledge_below"
    expected = {f"{stem}_{k}.{e}" for k in ("trajectory", "box") for e in ("png", "svg")}
    expected |= {f"{stem}_trajectory.csv", f"{stem}_box.csv"}
    assert {p.name for p in folder.iterdir()} == {*expected, ".commsim-figures.json"}
    marker = json.loads((folder / ".commsim-figures.json").read_text())
    assert set(marker["files"]) == expected
    table = pd.read_csv(folder / f"{stem}_trajectory.csv")
    assert list(table.columns) == [
        "box", "coverage", "density", "mass", "restricted", "runs", "chosen"
    ]  # fmt: skip
    # a rerun (CART now) keeps PRIM's files and adds its own; the sweep may still be
    # started afresh: its discovery folder is commsim's own
    again = _invoke(sweep_dir, "--metric", "mean_knowledge", "--below", median, "--method", "cart")
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert len(list(folder.iterdir())) == 13
    from commsim.experiment.store import sweep_entries

    assert sweep_entries(sweep_dir)[1] == []


def test_cli_out_and_step(sweep_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    result = _invoke(
        sweep_dir, "--metric", "mean_knowledge", "--above", _median(sweep_dir),
        "--step", "20", "--out", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert (target / "discovery_prim_mean_knowledge_above_box.csv").is_file()
    assert "at step 20" in result.stdout  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--metric", "nope", "--below", "0.5"], "unknown metric 'nope'"),
        (["--below", "5"], "nothing to discover: all 30 runs are below 5"),
        (["--metric", "mean_knowledge"], "give exactly one threshold"),
        (["--below", "0.5", "--above", "0.1"], "give exactly one threshold"),
        (["--below", "0.5", "--method", "tree"], "unknown method 'tree'"),
        (["--below", "0.5", "--step", "7"], "step 7 was not recorded"),
        (["--below", "0.5", "--out", ""], "empty path"),
    ],
)
def test_cli_errors_exit_2_and_write_nothing(
    sweep_dir: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    before = sorted(p.name for p in sweep_dir.iterdir())
    target = tmp_path / "never"
    out = [] if "--out" in args else ["--out", target]
    result = _invoke(sweep_dir, *args, *out)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert not target.exists()
    assert sorted(p.name for p in sweep_dir.iterdir()) == before


def test_cli_refuses_a_folder_holding_someone_elses_files(sweep_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "theirs"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = _invoke(sweep_dir, "--metric", "mean_knowledge", "--below", _median(sweep_dir),
                     "--out", target)  # fmt: skip
    assert result.exit_code == 2
    assert "notes.txt" in result.stderr  # type: ignore[attr-defined]
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_not_a_sweep_is_refused(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "--below", "0.5")
    assert result.exit_code == 2
    assert "not a commsim sweep directory" in result.stderr  # type: ignore[attr-defined]
