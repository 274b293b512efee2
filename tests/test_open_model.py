"""The model is open: a phase, a metric and a lever written in a test module (never in the
package) run through ``commsim.run``, a sweep on the process pool and on Dask, and the CLI;
a scenario switches an extension on by name. The app's side is in test_app_browser.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import commsim
from commsim import api, extensions
from commsim.catalogue import Extension, Metric, Parameter, Phase
from commsim.config import ConfigError, load_config
from commsim.model import CommunityModel, import_model, model_path

from .extension_fixture import REFLECTION, ReflectiveModel
from .test_sweep_dask import Cluster

ROOT = Path(__file__).resolve().parents[1]
MODEL = "tests.extension_fixture:ReflectiveModel"
COMMSIM = Path(sys.executable).with_name("commsim")
EXPERIMENT = f"""
name = "reflection"
base = "{(ROOT / "configs" / "default.toml").as_posix()}"
steps = 20
repetitions = 1
seed = 7
[overrides]
n_agents = 60
[parameters]
reflection_rate = [0.0, 0.3]
"""


def experiment(tmp_path: Path) -> Path:
    path = tmp_path / "reflection.toml"
    path.write_text(EXPERIMENT)
    return path


def env_with_tests() -> dict[str, str]:
    """Other processes (CLI, Dask workers) import the test module as a user's module is."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}


def test_the_extension_s_phase_metric_and_counter_run_through_commsim_run() -> None:
    result = commsim.run("configs/default.toml", model=MODEL, steps=30, reflection_rate=0.2)
    assert result.model["code_questioned"].sum() > 0
    assert result.model["code_settled"].between(0, 1).all()
    assert result.manifest["model"] == MODEL
    assert result.manifest["extensions"] == {"reflection": ""}


def test_the_phase_sits_where_it_asked_and_owns_its_parameter() -> None:
    model = ReflectiveModel("configs/default.toml", steps=3)
    names = [phase.name for phase in model.catalogue.phases]
    assert names[names.index("code_learning") + 1] == "reflect"
    assert model.config.reflection_rate == 0.0
    assert model.catalogue.metric_names(model.config)[-2:] == ["code_questioned", "code_settled"]


def test_with_its_rate_at_zero_the_extension_changes_no_number_of_the_model() -> None:
    base = commsim.run("configs/default.toml", steps=25).model
    extended = commsim.run("configs/default.toml", steps=25, model=ReflectiveModel).model
    pd.testing.assert_frame_equal(extended[base.columns], base)
    assert (extended["code_questioned"] == 0).all()


def test_the_lever_is_scheduled_from_a_scenario_and_pulled_live() -> None:
    config = {
        "steps": 12,
        "interventions": [{"action": "hold_retreat", "step": 4, "rate": 0.9}],
    }
    result = commsim.run(config, model=MODEL)
    assert result.model.loc[result.model.step < 4, "code_questioned"].sum() == 0
    assert result.model.loc[result.model.step >= 4, "code_questioned"].sum() > 0
    assert result.interventions.action.tolist() == ["hold_retreat"]
    live = ReflectiveModel(steps=5)
    live.intervene("hold_retreat", rate=0.4)
    assert live.world.param("reflection_rate") == 0.4 and live.config.reflection_rate == 0.0
    with pytest.raises(ConfigError, match=r"intervention: field 'rate': .*less than or equal to 1"):
        live.intervene("hold_retreat", rate=2.0)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"reflection_rate": 1.5}, r"field 'reflection_rate': Input should be less than or equal"),
        (
            {"reflection_rat": 0.1},
            r"unknown parameter 'reflection_rat': did you mean 'reflection_rate'",
        ),
        (
            {"interventions": [{"action": "hold_retreats", "step": 1}]},
            r"unknown action; allowed: .*'reality_shock', .*'hold_retreat'",
        ),
    ],
)
def test_the_extension_s_inputs_are_checked_like_the_built_in_ones(given, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, extensions=(REFLECTION,), **given)


def test_without_the_model_its_parameter_is_unknown() -> None:
    with pytest.raises(ConfigError, match="unknown parameter 'reflection_rate'"):
        commsim.run(None, reflection_rate=0.1)


def test_a_model_named_badly_is_one_line() -> None:
    for path, message in [
        ("tests.extension_fixture", "expected package.module:Class"),
        ("tests.no_such_module:X", "cannot import 'tests.no_such_module'"),
        ("tests.extension_fixture:Nope", "has no 'Nope'"),
        ("tests.extension_fixture:REFLECTION", "is not a CommunityModel subclass"),
    ]:
        with pytest.raises(ConfigError, match=message):
            import_model(path)
    assert import_model(MODEL) is ReflectiveModel
    assert model_path(ReflectiveModel) == MODEL
    assert model_path(CommunityModel) == "commsim.model:CommunityModel"

    class Local(CommunityModel):
        pass

    with pytest.raises(ConfigError, match="defined in a function"):
        model_path(Local)


def test_a_pool_sweep_of_the_extension_equals_a_serial_one(tmp_path: Path) -> None:
    path = experiment(tmp_path)
    commsim.sweep(path, tmp_path / "pool", workers=2, model=MODEL)
    commsim.sweep(path, tmp_path / "serial", workers=1, model=ReflectiveModel)
    pool, serial = (commsim.load_results(tmp_path / n) for n in ("pool", "serial"))
    key = ["run_id", "step"]
    pd.testing.assert_frame_equal(
        pool.sort_values(key, ignore_index=True), serial.sort_values(key, ignore_index=True)
    )
    questioned = pool.groupby("reflection_rate").code_questioned.sum()
    assert questioned[0.0] == 0 and questioned[0.3] > 0


def test_resuming_with_another_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text(EXPERIMENT.replace("reflection_rate", "exploration_rate"))
    commsim.sweep(path, tmp_path / "out", workers=1, model=MODEL)
    with pytest.raises(ValueError, match=r'other settings .*model "tests.extension_fixture'):
        commsim.sweep(path, tmp_path / "out", workers=1, resume=True)


def test_the_cli_runs_and_sweeps_the_model_by_its_path(tmp_path: Path) -> None:
    env = env_with_tests()
    run = [COMMSIM, "run", ROOT / "configs" / "default.toml", "--model", MODEL]
    done = subprocess.run(
        [*run, "--steps", "5", "--set", "reflection_rate=0.5", "--out", tmp_path / "run"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = pd.read_parquet(tmp_path / "run" / "model.parquet")
    assert "code_questioned" in written
    wrong = subprocess.run(
        [*run[:-1], "tests.extension_fixture:Nope"], capture_output=True, text=True, env=env
    )
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == (
        "error: --model: module 'tests.extension_fixture' has no 'Nope'"
    )


def test_a_dask_sweep_of_the_extension_equals_a_serial_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", env_with_tests()["PYTHONPATH"])  # the workers inherit it
    cluster = Cluster(tmp_path, workers=2, nanny=True)
    try:
        path = experiment(tmp_path)
        report = commsim.sweep(path, tmp_path / "dask", scheduler=cluster.address, model=MODEL)
        assert (report.done, report.failed) == (2, 0)
    finally:
        cluster.close()
    commsim.sweep(path, tmp_path / "serial", workers=1, model=MODEL)
    dask, serial = (commsim.load_results(tmp_path / n) for n in ("dask", "serial"))
    key = ["run_id", "step"]
    pd.testing.assert_frame_equal(
        dask.sort_values(key, ignore_index=True), serial.sort_values(key, ignore_index=True)
    )


def test_a_scenario_switches_an_installed_extension_on_by_name(monkeypatch) -> None:
    monkeypatch.setitem(extensions._registered, "reflection", REFLECTION)
    result = commsim.run({"steps": 10, "extensions": ["reflection"], "reflection_rate": 0.5})
    assert result.model["code_questioned"].sum() > 0
    assert result.manifest["extensions"] == {"reflection": ""}
    with pytest.raises(
        ConfigError,
        match=r"field 'extensions': no extension 'reflections' \(installed: .*reflection",
    ):
        load_config({"extensions": ["reflections"]})


def test_an_extension_s_own_state_is_made_once_per_model_and_lasts_the_run(monkeypatch) -> None:
    """``Extension.setup`` makes ``world.extra[name]`` before step 0's row; unlike
    ``world.scratch`` it is not cleared between steps, and each model has its own."""

    def note(world) -> None:
        world.extra["notebook"].append(world.step)

    notes = Metric("notes", "state", "notes", "entries", compute=lambda w: len(w.extra["notebook"]))
    notebook = Extension(
        "notebook", phases=(Phase("note", note),), metrics=(notes,), setup=lambda world: []
    )
    monkeypatch.setitem(extensions._registered, "notebook", notebook)
    first = CommunityModel({"steps": 4, "n_agents": 40, "extensions": ["notebook"]})
    first.run()
    assert first.world.extra == {"notebook": [1, 2, 3, 4]}
    assert first.model_frame()["notes"].tolist() == [0, 1, 2, 3, 4]
    second = CommunityModel({"steps": 2, "n_agents": 40, "extensions": ["notebook"]})
    assert second.world.extra == {"notebook": []}
    assert CommunityModel({"steps": 2, "n_agents": 40}).world.extra == {}


def test_an_extension_cannot_take_a_built_in_parameter_s_name() -> None:
    phase = Phase("x", lambda world: None, parameters=(Parameter("seed", 0, low=0),))
    clash = Extension("clash", phases=(phase,))
    with pytest.raises(ValueError, match="parameter 'seed' is already a parameter"):
        load_config(None, extensions=(clash,))


def test_configs_name_extensions_but_never_import_anything() -> None:
    for names in ("reflection", [1], ["os:system"]):
        with pytest.raises(ConfigError, match="field 'extensions'"):
            load_config({"extensions": names})


# --- the extension's metrics in the analysis commands, with no change to commsim ------------


def _cli(*args: object) -> Any:
    from typer.testing import CliRunner

    from commsim.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def reflected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished sweep of the extension model: 2 points x 3 repetitions, every step kept."""
    folder = tmp_path_factory.mktemp("reflected")
    path = folder / "reflection.toml"
    path.write_text(EXPERIMENT.replace("repetitions = 1", "repetitions = 3"))
    commsim.sweep(path, folder / "sweep", workers=1, model=MODEL)
    return folder / "sweep"


def test_results_reads_the_extension_s_metrics_as_it_declares_them(reflected: Path) -> None:
    result = _cli(
        "results", reflected, "--metric", "code_questioned", "--metric", "code_settled",
        "--csv", reflected.parent / "results.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(reflected.parent / "results.csv")
    by_metric = table.groupby("metric")[["statistic", "unit"]].first()
    # an event count is a run total in its unit; a state is read at the end, in its unit
    assert by_metric.loc["code_questioned"].tolist() == ["total", "dimensions, run total"]
    assert by_metric.loc["code_settled"].tolist() == ["final", "share, at the last step"]
    settled = table[table.metric == "code_settled"]
    assert (settled.ci_low >= 0).all() and (settled.ci_high <= 1).all()  # its domain, [0, 1]
    questioned = table[table.metric == "code_questioned"]
    assert (questioned.ci_low >= 0).all()  # a count's domain
    assert "warning: the sweep's model" not in result.stderr


def test_summarise_sweep_and_the_units_take_the_sweep_s_catalogue(reflected: Path) -> None:
    from commsim.experiment import units

    table = commsim.summarise_sweep(reflected, ["code_questioned", "code_settled"])
    assert "warning" not in table.attrs
    catalogue, note = units.sweep_catalogue(json.loads((reflected / "manifest.json").read_text()))
    assert note is None
    assert units.is_counter("code_questioned", catalogue)
    assert not units.is_counter("code_settled", catalogue)
    assert units.domain("code_settled", catalogue) == (0.0, 1.0)
    assert units.domain("code_questioned", catalogue) == (0.0, float("inf"))
    assert units.axis_label("code_questioned", catalogue) == (
        "code questioned [dimensions per step]"
    )
    # the built-in catalogue knows nothing of them: a plain state without unit or bounds
    assert not units.is_counter("code_questioned")
    assert units.domain("code_questioned") == (float("-inf"), float("inf"))


def test_plot_draws_the_extension_s_metrics_with_their_labels_and_units(reflected: Path) -> None:
    from commsim.experiment.figures import sweep_figure_set

    out = reflected.parent / "figures"
    result = _cli("plot", reflected, "--metric", "code_questioned", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "over_time_code_questioned.png").is_file()
    frame = commsim.load_results(reflected)
    manifest = json.loads((reflected / "manifest.json").read_text())
    about = api._about(manifest)
    drawn = sweep_figure_set(
        frame, ["reflection_rate"], ["code_questioned", "code_settled"], about=about
    )
    (questioned, _), (settled, _) = drawn
    assert questioned.axes[0].get_ylabel() == "code questioned [dimensions per step]"
    assert "code questioned per step over time" in questioned.get_suptitle()
    assert settled.axes[0].get_ylabel() == "code settled [share]"


def test_a_sweep_whose_model_is_gone_is_read_with_the_built_in_catalogue(
    reflected: Path, tmp_path: Path
) -> None:
    import shutil

    gone = tmp_path / "gone"
    shutil.copytree(reflected, gone)
    manifest = json.loads((gone / "manifest.json").read_text())
    manifest["basis_fields"]["model"] = "tests.extension_fixture:Gone"
    (gone / "manifest.json").write_text(json.dumps(manifest))
    result = _cli("results", gone, "--metric", "code_questioned")
    assert result.exit_code == 0, result.output
    warning = [
        line for line in result.stderr.splitlines() if "tests.extension_fixture:Gone" in line
    ]
    assert len(warning) == 1 and warning[0].startswith(
        "warning: the sweep's model tests.extension_fixture:Gone cannot be loaded ("
    )
    # read as an unknown column: a state at the end, no unit
    assert "at the last step" in result.stdout
    assert _cli("plot", gone, "--metric", "code_settled").exit_code == 0
    about = api._about(json.loads((gone / "manifest.json").read_text()))
    assert len(about.notes) == 1 and "cannot be loaded" in about.notes[0]
