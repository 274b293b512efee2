"""British spelling is canonical; the former American names are accepted, with a FutureWarning.

``config.RENAMED`` lists them. Every place a user writes a parameter name goes through
``config.respell``: a scenario file (TOML or YAML), keyword overrides (``load_config``,
``Config.with_overrides``, ``commsim.run``), ``--set``, an experiment's ``[overrides]`` and
``[parameters]``. Hashes are taken over the former names, so a sweep begun before the rename
keeps its run ids and basis, and resumes.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import commsim
from commsim import api
from commsim.cli import app
from commsim.config import FORMER, RENAMED, Config, ConfigError, load_config, renamed_message
from commsim.experiment.calibrate import load_target
from commsim.experiment.designs import design_points
from commsim.experiment.plan import ID_COLUMNS, _digest, basis_fields, plan_sweep, run_id
from commsim.experiment.spec import load_experiment
from commsim.experiment.store import write_parquet

from .test_experiments import TARGETS
from .test_sweep_run import forget_runs

ROOT = Path(__file__).resolve().parents[1]
VALUES = {
    "socialization_rate": 0.37,
    "fast_socialization_rate": 0.42,
    "socialization_mode": "jump",
    "neighbor_learning_rate": 0.61,
}
BASE = "n_agents = 30\nm = 12\nsteps = 6\nagent_sample_size = 0\n"


def line(name: str, value: object) -> str:
    return f"{name} = {json.dumps(value)}\n"


def future(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]


def test_every_renamed_field_is_tested_and_is_a_field_by_its_new_name_only() -> None:
    assert set(VALUES) == set(RENAMED)
    assert set(RENAMED.values()) <= set(Config.model_fields)
    assert not set(RENAMED) & set(Config.model_fields)


# --- scenario files ------------------------------------------------------------------------


@pytest.mark.parametrize("old", list(RENAMED))
def test_a_former_name_in_a_scenario_file_loads_as_its_new_name(old: str, tmp_path: Path) -> None:
    new = RENAMED[old]
    before, after = tmp_path / "before.toml", tmp_path / "after.toml"
    before.write_text(line(old, VALUES[old]))
    after.write_text(line(new, VALUES[old]))
    with pytest.warns(FutureWarning) as caught:
        config = load_config(before)
    assert future(caught) == [
        f"{before}: '{old}' is now spelled '{new}' (the old name is accepted until commsim 1.0)"
    ]
    assert config == load_config(after)
    assert getattr(config, new) == VALUES[old]


def test_a_former_name_in_a_yaml_file_too(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("neighbor_learning_rate: 0.61\nsocialization_mode: jump\n")
    with pytest.warns(FutureWarning) as caught:
        config = load_config(path)
    assert future(caught) == [
        renamed_message("socialization_mode", "socialisation_mode", str(path)),
        renamed_message("neighbor_learning_rate", "neighbour_learning_rate", str(path)),
    ]
    assert (config.neighbour_learning_rate, config.socialisation_mode) == (0.61, "jump")


@pytest.mark.parametrize("suffix", [".toml", ".yaml"])
def test_both_spellings_of_one_field_in_a_file_is_one_error_line(
    suffix: str, tmp_path: Path
) -> None:
    path = tmp_path / f"s{suffix}"
    sep = " =" if suffix == ".toml" else ":"
    path.write_text(f"socialization_rate{sep} 0.2\nsocialisation_rate{sep} 0.3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: gives 'socialisation_rate' twice (also as 'socialization_rate', its former "
        "spelling); keep 'socialisation_rate'"
    )


# --- keyword overrides and --set -----------------------------------------------------------


def test_a_former_name_as_a_keyword_override() -> None:
    expected = "overrides: " + renamed_message("neighbor_learning_rate", "neighbour_learning_rate")
    with pytest.warns(FutureWarning) as caught:
        loaded = load_config(None, neighbor_learning_rate=0.61)
        copied = Config().with_overrides(neighbor_learning_rate=0.61)
        ran = commsim.run(
            None, steps=1, n_agents=20, agent_sample_size=0, neighbor_learning_rate=0.61
        )
    assert future(caught) == [expected] * 3
    assert loaded == copied == Config(neighbour_learning_rate=0.61)
    assert ran.config.neighbour_learning_rate == 0.61
    assert ran.manifest["config"]["neighbour_learning_rate"] == 0.61


def test_a_former_name_overrides_the_file_and_both_as_overrides_is_an_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.toml"
    path.write_text("socialisation_rate = 0.2\n")
    with pytest.warns(FutureWarning):
        assert load_config(path, socialization_rate=0.3).socialisation_rate == 0.3
    with pytest.raises(ConfigError, match=r"^overrides: gives 'socialisation_rate' twice"):
        load_config(path, socialization_rate=0.3, socialisation_rate=0.4)


def test_cli_set_takes_a_former_name_with_one_warning_line(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("default", FutureWarning)  # as Python shows it unless told not to
        result = CliRunner().invoke(
            app,
            [
                *("run", str(ROOT / "configs" / "default.toml"), "--steps", "1"),
                *("--set", "n_agents=20", "--set", "socialization_rate=0.3"),
                *("--out", str(tmp_path / "r")),
            ],
        )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "warning: --set socialization_rate=0.3: 'socialization_rate' is now spelled "
        "'socialisation_rate' (the old name is accepted until commsim 1.0)"
    )
    assert "FutureWarning" not in result.output
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["socialisation_rate"] == 0.3


def test_cli_analyze_is_the_former_spelling_of_analyse(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("default", FutureWarning)
        old = CliRunner().invoke(app, ["analyze", str(tmp_path / "nowhere")])
        new = CliRunner().invoke(app, ["analyse", str(tmp_path / "nowhere")])
    assert old.exit_code == new.exit_code == 2
    assert "no such sweep directory" in new.stderr
    assert old.stderr.splitlines() == [
        "warning: 'analyze' is now spelled 'analyse' (the old name is accepted until commsim 1.0)",
        *new.stderr.splitlines(),
    ]
    shown = CliRunner().invoke(app, ["--help"]).output
    assert "analyse" in shown and "analyze" not in shown


def test_the_former_names_of_the_summaries_still_work_with_a_warning(tmp_path: Path) -> None:
    ran = commsim.run(None, steps=3, n_agents=20, agent_sample_size=0)
    with pytest.warns(FutureWarning) as caught:
        assert api.summarize(ran.model) == api.summarise(ran.model)
    assert future(caught) == [renamed_message("summarize", "summarise")]
    commsim.sweep(experiment(tmp_path, "e", "initial_safety = [0.2, 0.8]\n"), tmp_path / "s")
    with pytest.warns(FutureWarning) as caught:
        old = commsim.summarize_sweep(tmp_path / "s", "code_knowledge")
    assert future(caught) == [renamed_message("summarize_sweep", "summarise_sweep")]
    pd.testing.assert_frame_equal(old, commsim.summarise_sweep(tmp_path / "s", "code_knowledge"))
    assert "summarise_sweep" in commsim.__all__ and "summarize_sweep" not in commsim.__all__


# --- experiment files ----------------------------------------------------------------------


def experiment(tmp_path: Path, name: str, parameters: str, overrides: str = "") -> Path:
    (tmp_path / "base.toml").write_text(BASE)
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "base.toml"\nrepetitions = 2\nseed = 7\n'
        f"[overrides]\n{overrides}[parameters]\n{parameters}"
    )
    return path


def test_an_experiment_sweeps_a_former_name_under_its_new_name(tmp_path: Path) -> None:
    old = experiment(
        tmp_path, "old", "socialization_rate = [0.1, 0.9]\n", "fast_socialization_rate = 0.8\n"
    )
    new = experiment(
        tmp_path, "new", "socialisation_rate = [0.1, 0.9]\n", "fast_socialisation_rate = 0.8\n"
    )
    with pytest.warns(FutureWarning) as caught:
        loaded = load_experiment(old)
    assert sorted(future(caught)) == [
        renamed_message("fast_socialization_rate", "fast_socialisation_rate", str(old)),
        renamed_message("socialization_rate", "socialisation_rate", str(old)),
    ]
    assert loaded.parameters == ["socialisation_rate"]
    assert loaded.base.fast_socialisation_rate == 0.8
    plan, same = plan_sweep(loaded), plan_sweep(load_experiment(new))
    assert list(plan.table().columns) == [*ID_COLUMNS, "socialisation_rate"]
    assert plan.table().equals(same.table()) and plan.basis == same.basis
    with pytest.warns(FutureWarning):
        report = commsim.sweep(old, tmp_path / "out", workers=1)
    assert (report.planned, report.done) == (4, 4)
    frame = commsim.load_results(tmp_path / "out", metrics="code_knowledge")
    assert list(frame.columns[:6]) == [*ID_COLUMNS, "socialisation_rate", "step"]


def test_a_sampled_design_names_the_new_spelling(tmp_path: Path) -> None:
    path = experiment(
        tmp_path,
        "s",
        'neighbor_learning_rate = { distribution = "uniform", low = 0.1, high = 0.9 }\n',
    )
    path.write_text(path.read_text() + '[design]\nkind = "latin"\nsamples = 4\n')
    with pytest.warns(FutureWarning):
        loaded = load_experiment(path)
    assert design_points(loaded).info["problem"]["names"] == ["neighbour_learning_rate"]


@pytest.mark.parametrize(
    ("parameters", "overrides", "message"),
    [
        (
            "socialization_rate = [0.1]\nsocialisation_rate = [0.2]\n",
            "",
            "gives 'socialisation_rate' twice",
        ),
        ("", "socialization_rate = 0.1\nsocialisation_rate = 0.2\n", "gives 'socialisation_rate'"),
        (
            "socialization_rate = [0.1, 0.2]\n",
            "socialisation_rate = 0.3\n",
            r"field 'overrides.socialisation_rate': also varied in \[parameters\]",
        ),
    ],
)
def test_an_experiment_giving_a_field_in_both_spellings_is_refused(
    parameters: str, overrides: str, message: str, tmp_path: Path
) -> None:
    path = experiment(tmp_path, "e", parameters, overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ConfigError, match=message) as caught:
            load_experiment(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


# --- the canonical spelling warns nothing --------------------------------------------------


def test_the_new_names_and_every_shipped_file_warn_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in sorted((ROOT / "configs").glob("*.toml")):
            load_config(path)
        for path in sorted((ROOT / "configs" / "experiments").rglob("*.toml")):
            (load_target if path.stem in TARGETS else load_experiment)(path)
        current = {RENAMED[old]: value for old, value in VALUES.items()}
        load_config(None, **current)
        Config().with_overrides(**current)
    assert [str(w.message) for w in caught if "now spelled" in str(w.message)] == []
    assert future(caught) == []


# --- hashes, and a sweep begun before the rename ---------------------------------------------


def test_hashes_are_taken_over_the_former_names() -> None:
    # as the code before the rename computed it (commit f1b0f4b, {"socialization_rate": 0.5})
    assert run_id({"socialisation_rate": 0.5}, 0) == "9cb18c1358783770"
    former = {FORMER.get(k, k): v for k, v in Config().canonical().items()}
    blob = json.dumps(former, sort_keys=True).encode()
    assert Config().digest() == hashlib.sha256(blob).hexdigest()[:16]


def as_before_the_rename(out: Path) -> None:
    """A sweep stored now, rewritten as commsim stored it before the rename: the former names
    in its run table, metrics and manifest (its run ids and basis were already the same)."""
    for path in [out / "runs.parquet", *(out / "metrics").glob("*.parquet")]:
        stamp = json.loads(pq.read_schema(path).metadata[b"commsim"])
        write_parquet(pd.read_parquet(path).rename(columns=FORMER), path, stamp)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["parameters"] = [FORMER.get(p, p) for p in manifest["parameters"]]
    manifest["base_config"] = {FORMER.get(k, k): v for k, v in manifest["base_config"].items()}
    base = manifest["basis_fields"]["base"]
    manifest["basis_fields"]["base"] = {FORMER.get(k, k): v for k, v in base.items()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


def test_a_sweep_begun_before_the_rename_resumes_with_either_spelling(tmp_path: Path) -> None:
    old = experiment(tmp_path, "e", "socialization_rate = [0.1, 0.9]\n")
    new = experiment(tmp_path, "e2", "socialisation_rate = [0.1, 0.9]\n")
    new.write_text(new.read_text().replace('name = "e2"', 'name = "e"'))
    out = tmp_path / "sweep"
    commsim.sweep(new, out, workers=1)
    before = commsim.load_results(out)
    as_before_the_rename(out)
    loaded = load_experiment(new)
    fields = basis_fields(loaded)
    former = {**fields, "base": {FORMER.get(k, k): v for k, v in fields["base"].items()}}
    assert json.loads((out / "manifest.json").read_text())["basis"] == _digest(former)[:16]

    for spec in (old, new):
        forget_runs(out, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            report = commsim.sweep(spec, out, workers=1, resume=True)
        assert (report.planned, report.done, report.skipped) == (4, 4, 2)
        # the runs added keep the sweep's names: one set of columns in every file
        stored = {tuple(pq.read_schema(p).names[:5]) for p in (out / "metrics").glob("*.parquet")}
        assert stored == {(*ID_COLUMNS, "socialization_rate")}
        assert pq.read_schema(out / "runs.parquet").names == [*ID_COLUMNS, "socialization_rate"]
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["parameters"] == ["socialization_rate"]

    # read back under the new name, the same numbers as before
    after = commsim.load_results(out)
    pd.testing.assert_frame_equal(after, before)
    assert commsim.load_results(out, "runs")["socialisation_rate"].notna().all()
    assert "socialisation_rate" in commsim.summarise_sweep(out, "code_knowledge")
    assert not {"socialisation_rate", "socialization_rate"} & set(commsim.sweep_metrics(out))
    picked = commsim.load_results(out, metrics=["code_knowledge"], steps=[6])
    assert list(picked.columns) == [*ID_COLUMNS, "socialisation_rate", "step", "code_knowledge"]

    # a real change is refused, named alone (not the renamed fields)
    (tmp_path / "base.toml").write_text(BASE.replace("n_agents = 30", "n_agents = 31"))
    with pytest.raises(
        ValueError, match=r"other settings than this experiment \(n_agents 30 -> 31\)"
    ):
        commsim.sweep(new, out, workers=1, resume=True)
