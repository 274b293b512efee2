"""The Python API and the run directory: what a run returns, writes and reads back."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pandas as pd
import pytest

import commsim
from commsim import api, plotting, storage
from commsim.config import Config, ConfigError

SMALL = {"name": "small", "n_agents": 60, "steps": 20, "seed": 7}
INTERVENTION = {"step": 5, "action": "raise_safety", "amount": 0.3}
FILES = storage.RUN_FILES


@pytest.fixture(scope="module")
def result() -> api.RunResult:
    return api.run({**SMALL, "interventions": [INTERVENTION]})


@pytest.fixture(scope="module")
def saved(result: api.RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return storage.write_run(result, tmp_path_factory.mktemp("saved") / "run")


def parquet_bytes(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.glob("*.parquet"))}


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


# --- run ---------------------------------------------------------------------------------


def test_package_exports() -> None:
    assert commsim.__version__ == "0.1.0"
    assert commsim.run is api.run
    assert commsim.load_results is api.load_results
    assert commsim.Config is Config
    assert commsim.ConfigError is ConfigError
    assert commsim.load_config(None).name == "default"
    assert commsim.CommunityModel.__name__ == "CommunityModel"
    with pytest.raises(AttributeError):
        _ = commsim.not_a_name  # type: ignore[attr-defined]


def test_run_returns_tables_config_and_manifest(result: api.RunResult) -> None:
    assert list(result.model["step"]) == list(range(21))
    assert not result.agents.empty and not result.insights.empty
    assert list(result.interventions.columns) == ["step", "action", "params"]
    assert result.config.n_agents == 60
    manifest = result.manifest
    assert manifest["config_hash"] == result.config.digest()
    assert manifest["seed"] == 7
    assert manifest["steps_run"] == 20
    assert manifest["config"] == result.config.model_dump(mode="json")
    assert set(manifest["versions"]) >= {
        "commsim",
        "mesa",
        "numpy",
        "pandas",
        "pyarrow",
        "pydantic",
        "python",
    }
    commit = manifest["git_commit"]
    assert commit == "unknown" or len(commit.removesuffix("+dirty")) == 40
    assert manifest["started_utc"] <= manifest["finished_utc"]
    assert manifest["wall_time_s"] >= 0


def test_run_keyword_overrides_and_progress() -> None:
    seen: list[int] = []
    res = api.run(SMALL, steps=4, seed=11, progress=seen.append, n_agents=30)
    assert (res.config.steps, res.config.seed, res.config.n_agents) == (4, 11, 30)
    assert seen == [1, 2, 3, 4]
    assert len(res.model) == 5


def test_run_from_a_file_records_its_path(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text('n_agents = 30\nsteps = 3\nname = "tiny"\n')
    res = api.run(path)
    assert res.manifest["config_path"] == str(path)
    assert res.config.name == "tiny"


def test_run_refuses_bad_overrides() -> None:
    with pytest.raises(ConfigError, match="n_agnts"):
        api.run(SMALL, n_agnts=5)
    with pytest.raises(ConfigError, match="steps"):
        api.run(SMALL, steps=0)


def test_summarise_pools_rates(result: api.RunResult) -> None:
    summary = api.summarise(result.model)
    df = result.model
    assert summary["insights_generated"] == df["insights_generated"].sum()
    assert summary["cross_role_share"] == pytest.approx(
        df["cross_role_flows"].sum() / df["flows"].sum()
    )
    assert summary["code_knowledge"] == df["code_knowledge"].iloc[-1]
    assert summary["steps"] == 20


def test_summarise_pools_over_steps_not_per_step_means() -> None:
    df = pd.DataFrame(
        {
            "step": [0, 1, 2],
            "code_knowledge": [0.0, 0.5, 0.75],
            "insights_spoken": [0, 1, 9],
            "voice_opportunities": [0, 1, 18],
            "flows": [0, 0, 0],
        }
    )
    summary = api.summarise(df)
    assert summary["voice_rate_upward"] == pytest.approx(10 / 19)  # per-step mean would be 0.75
    assert summary["code_knowledge"] == 0.75
    assert pd.isna(summary["cross_role_share"]) and pd.isna(summary["mean_safety"])
    assert summary["insights_codified"] == 0


# --- writing -----------------------------------------------------------------------------


def test_write_run_writes_every_file(saved: Path, result: api.RunResult) -> None:
    assert {p.name for p in saved.iterdir()} == FILES
    assert siblings(saved) == ["run"]  # no temporary directories left behind
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["config_hash"] == result.config.digest()
    assert set(manifest["files"]) == FILES - {"manifest.json"}
    png = (saved / "summary.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 800)


def test_same_seed_gives_identical_parquet_bytes(tmp_path: Path) -> None:
    config = {**SMALL, "turbulence_rate": 0.05, "interventions": [INTERVENTION]}
    a = storage.write_run(api.run(config), tmp_path / "a")
    b = storage.write_run(api.run(config), tmp_path / "b")
    c = storage.write_run(api.run(config, seed=8), tmp_path / "c")
    assert parquet_bytes(a) == parquet_bytes(b)
    assert len(parquet_bytes(a)) == 4
    assert parquet_bytes(a)["model.parquet"] != parquet_bytes(c)["model.parquet"]


def test_replacing_an_earlier_run_leaves_a_complete_new_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    storage.write_run(api.run(SMALL, seed=1), out)
    second = api.run(SMALL, seed=2)
    second.save(out, overwrite=True)
    fresh = storage.write_run(second, tmp_path / "fresh")
    assert {p.name for p in out.iterdir()} == FILES
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert parquet_bytes(out) == parquet_bytes(fresh)
    assert siblings(out) == ["fresh", "out"]


def test_a_failed_write_keeps_the_earlier_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, result: api.RunResult
) -> None:
    out = tmp_path / "out"
    storage.write_run(api.run(SMALL, seed=1), out)
    before = parquet_bytes(out)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(plotting, "summary_figure", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        storage.write_run(result, out, overwrite=True)
    assert parquet_bytes(out) == before
    assert siblings(out) == ["out"]
    with pytest.raises(RuntimeError):
        storage.write_run(result, tmp_path / "never")
    assert siblings(out) == ["out"]


def test_refuses_to_replace_a_directory_that_is_not_a_run(
    tmp_path: Path, result: api.RunResult
) -> None:
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="holds files commsim did not write"):
        storage.write_run(result, precious, overwrite=True)
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError):
        storage.write_run(result, blocker / "out")


# --- reading -----------------------------------------------------------------------------


def test_load_results_round_trips_every_table(saved: Path, result: api.RunResult) -> None:
    for table in api.TABLES:
        pd.testing.assert_frame_equal(api.load_results(saved, table), result.table(table))


def test_load_results_selects_metrics_and_steps(saved: Path, result: api.RunResult) -> None:
    df = api.load_results(saved, metrics=["mean_safety", "code_knowledge"], steps=[0, 5, 10])
    assert list(df.columns) == ["step", "mean_safety", "code_knowledge"]
    assert list(df["step"]) == [0, 5, 10]
    expected = result.model.loc[[0, 5, 10], ["step", "mean_safety", "code_knowledge"]]
    pd.testing.assert_frame_equal(df, expected.reset_index(drop=True))

    assert list(api.load_results(saved, metrics="code_accuracy", steps=3).columns) == [
        "step",
        "code_accuracy",
    ]
    assert list(api.load_results(saved, steps=slice(5, 8))["step"]) == [5, 6, 7]
    assert list(api.load_results(saved, steps=slice(-2, None))["step"]) == [19, 20]
    agents = api.load_results(saved, "agents", metrics=["safety"], steps=range(0, 21, 10))
    assert set(agents["step"]) == {0, 10, 20}


def test_load_results_says_what_is_wrong(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such run directory"):
        api.load_results(tmp_path / "missing")
    with pytest.raises(ValueError, match="not a commsim run or sweep directory"):
        api.load_results(tmp_path)
    with pytest.raises(ValueError, match="table must be one of"):
        api.load_results(saved, "people")
    with pytest.raises(ValueError, match="did you mean 'mean_safety'"):
        api.load_results(saved, metrics=["mean_safty"])
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "manifest.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"model\.parquet"):
        api.load_results(partial)


def test_write_run_accepts_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert storage.write_run(api.run(SMALL, steps=2), ".") == Path(".")
    assert {p.name for p in here.iterdir()} == FILES


def test_scheduled_interventions_are_recorded(saved: Path) -> None:
    log = api.load_results(saved, "interventions")
    assert list(log["step"]) == [5]
    assert list(log["action"]) == ["raise_safety"]
    assert json.loads(log["params"].iloc[0])["amount"] == 0.3
    model = api.load_results(saved, metrics=["interventions", "mean_safety"])
    assert model.loc[model["step"] == 5, "interventions"].item() == "raise_safety"
    assert (model.loc[model["step"] != 5, "interventions"] == "").all()
    assert model["mean_safety"].iloc[5] > model["mean_safety"].iloc[4] + 0.1


def test_empty_intervention_log_round_trips(tmp_path: Path) -> None:
    res = api.run(SMALL, steps=3)
    out = storage.write_run(res, tmp_path / "run")
    log = api.load_results(out, "interventions")
    assert log.empty
    assert str(log["step"].dtype) == "int64"


# --- the sweep functions the command line goes through ------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-run experiment file (one repetition per point)."""
    from .conftest import TINY_EXPERIMENT

    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(TINY_EXPERIMENT)
    return path


def test_preview_counts_every_run_and_keeps_only_the_head_asked_for(tiny: Path) -> None:
    whole = api.preview_sweep(tiny)
    head = api.preview_sweep(api.load_experiment(tiny), head=1)
    assert (whole.size.runs, whole.rows, len(whole.table)) == (2, 2, 2)
    assert (head.rows, len(head.table)) == (2, 1)
    pd.testing.assert_frame_equal(head.table, whole.table.head(1))
    pd.testing.assert_frame_equal(api.sweep_plan(tiny), whole.table)
    assert (whole.done, whole.failed) == (None, None)


def test_preview_into_a_sweep_counts_what_is_left_and_single_runs_carry_a_warning(
    tiny: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sweep"
    api.sweep(tiny, out, workers=1)
    left = api.preview_sweep(tiny, out, head=1)
    assert (left.rows, len(left.table), left.done, left.failed) == (0, 0, 2, 0)
    assert api.sweep_status(out)["done"] == 2
    summary = api.summarise_sweep(out, "code_knowledge")
    assert "rest on 1 run(s)" in summary.attrs["warning"]


def test_sweep_interrupted_is_the_engines_own_and_read_lazily() -> None:
    from commsim.experiment.sweep import SweepInterrupted

    assert api.SweepInterrupted is SweepInterrupted
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = api.no_such_name  # type: ignore[attr-defined]
