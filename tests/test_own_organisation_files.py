"""An organisation of one's own from its files, through every door: a scenario, `commsim run`,
a sweep (its manifest, resume, the runs sent to workers without the files).

The readers' own checks are in test_orgfiles.py; the model's use of a chart in
test_own_organisation.py.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import commsim
from commsim.cli import app
from commsim.config import ConfigError, load_config
from commsim.experiment.plan import plan_sweep
from commsim.experiment.runner import execute
from commsim.experiment.spec import load_experiment
from commsim.model import CommunityModel
from commsim.orgfiles import export_organisation

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SETTINGS = "seed = 5\nsteps = 25\nturnover_rate = 0.05\nagent_sample_every = 5\n"


def own_scenario(folder: Path, model: CommunityModel, ties: bool = True) -> Path:
    """``model``'s organisation written to files in ``folder/org/`` and a scenario naming them
    (relative to itself, in ``folder``)."""
    (folder / "org").mkdir()
    export_organisation(
        model, folder / "org" / "chart.csv", folder / "org" / "ties.csv" if ties else None
    )
    scenario = folder / "own.toml"
    named = 'org_chart = "org/chart.csv"\n' + ('collaboration = "org/ties.csv"\n' * ties)
    scenario.write_text(named + SETTINGS)
    return scenario


@pytest.fixture
def generated() -> CommunityModel:
    config = load_config(None, n_agents=80, **_settings())
    return CommunityModel(config)


def _settings() -> dict[str, object]:
    return {k.strip(): float(v) if "." in v else int(v) for k, v in
            (line.split("=") for line in SETTINGS.strip().splitlines())}  # fmt: skip


def test_a_generated_organisation_written_to_files_runs_identically(
    tmp_path: Path, generated: CommunityModel
) -> None:
    scenario = own_scenario(tmp_path, generated)
    own = CommunityModel(load_config(scenario))
    assert own.config.n_agents == 80
    assert np.array_equal(own.ties.edges, generated.ties.edges)
    generated.run()
    own.run()
    assert own.model_frame().equals(generated.model_frame())
    assert own.insight_frame().equals(generated.insight_frame())
    mine = own.agent_frame().drop(columns=["person", "team"])  # what only a chart names
    assert mine.equals(generated.agent_frame())


def test_files_are_found_beside_the_scenario_wherever_it_runs_from(
    tmp_path: Path, generated: CommunityModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = own_scenario(tmp_path, generated)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(scenario)
    assert config.org_chart.source == "org/chart.csv"
    assert config.canonical()["org_chart"] == {
        "file": "org/chart.csv",
        "sha256": config.org_chart.sha256,
        "people": 80,
    }


def test_a_bad_chart_is_one_line_naming_scenario_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "chart.csv").write_text("id,manager\nA,\nB,A\nC,Z\n")
    scenario = tmp_path / "own.toml"
    scenario.write_text('org_chart = "chart.csv"\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and f"{scenario}: field 'org_chart': chart.csv, line 4" in line
    assert "'Z'" in line
    assert not out.exists()


def test_run_outputs_name_people_by_pseudonym_unless_asked(
    tmp_path: Path, generated: CommunityModel
) -> None:
    scenario = own_scenario(tmp_path, generated)
    ids = [f"m{row}" for row in range(80)]
    for setting, shown in (("", False), ('person_ids = "file"\n', True)):
        scenario.write_text(scenario.read_text() + setting)
        out = tmp_path / f"out-{shown}"
        result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        agents = commsim.load_results(out, table="agents")
        people = set(agents.person) - {""}
        assert people and (people <= set(ids)) == shown
        if not shown:  # no id anywhere in what the run wrote, in any file
            written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
            assert not any(f",{i}," in written.decode("latin-1") for i in ids)
            assert all(p.startswith("p") and len(p) == 13 for p in people)
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["config"]["org_chart"]["sha256"] == load_config(scenario).org_chart.sha256


EXPERIMENT = """\
name = "own"
base = "own.toml"
repetitions = 3
seed = 2
[overrides]
agent_sample_size = 0
[parameters]
initial_safety = [0.3, 0.8]
"""


def test_a_sweep_records_the_files_hashes_and_refuses_to_resume_after_they_change(
    tmp_path: Path, generated: CommunityModel
) -> None:
    own_scenario(tmp_path, generated)
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(EXPERIMENT)
    out = tmp_path / "sweep"
    report = commsim.sweep(experiment, out, workers=1)
    assert (report.done, report.failed) == (6, 0)
    manifest = json.loads((out / "manifest.json").read_text())
    base = manifest["basis_fields"]["base"]
    assert base["org_chart"]["file"] == "org/chart.csv" and len(base["org_chart"]["sha256"]) == 64
    assert base["collaboration"]["file"] == "org/ties.csv"
    chart = tmp_path / "org" / "chart.csv"
    chart.write_text(chart.read_text().replace("m5,m1,", "m5,m2,", 1))
    with pytest.raises(ValueError, match="org_chart"):
        commsim.sweep(experiment, out, workers=1, resume=True)


def test_a_run_sent_to_a_worker_carries_its_organisation(
    tmp_path: Path, generated: CommunityModel
) -> None:
    """No shared file system: a pickled task runs the same with the files gone."""
    own_scenario(tmp_path, generated)
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(EXPERIMENT)
    task = plan_sweep(load_experiment(experiment)).tasks[0]
    here = execute(task)
    sent = pickle.dumps(task)
    for path in (tmp_path / "org").iterdir():
        path.unlink()
    there = execute(pickle.loads(sent))
    assert here.ok and there.ok
    for table in ("metrics", "insights"):  # (as frames: Arrow's equality has NaN != NaN)
        assert getattr(here, table).to_pandas().equals(getattr(there, table).to_pandas())


def test_an_experiment_cannot_sweep_the_organisation(tmp_path: Path) -> None:
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(
        f'name = "x"\nbase = "{CONFIGS / "default.toml"}"\n'
        '[parameters]\norg_chart = ["a.csv", "b.csv"]\n'
    )
    with pytest.raises(ConfigError, match=r"parameters\.org_chart': cannot be swept"):
        load_experiment(experiment)
