"""Several sweeps read together: a sweep column, parameters filled from each sweep's base,
and a one-line refusal of sweeps whose rows would not compare."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import commsim
from commsim.cli import app
from commsim.experiment.combine import per_sweep, qualified, within_and_between
from commsim.experiment.figures import sweep_figure_set
from commsim.model.model import CommunityModel

from .conftest import CONFIGS

cli = CliRunner()

EXPERIMENT = f"""\
name = "{{name}}"
base = "{CONFIGS / "default.toml"}"
steps = 10
repetitions = 2
seed = 5
[overrides]
n_agents = {{agents}}
agent_sample_size = 0
[parameters]
{{parameters}}
[record]
every = {{every}}
{{record}}
"""
SAFETY = "initial_safety = [0.3, 0.8]"
GRADIENT = "authority_gradient = [0.1, 0.5]"


class Other(CommunityModel):
    """Another model class (the same dynamics): its sweeps are not the built-in model's."""


def _sweep(folder: Path, name: str, parameters: str = SAFETY, **settings: object) -> Path:
    """A 4-run sweep of a 30-member organisation, 10 steps, written to ``folder/name``."""
    fields = {"agents": 30, "every": 5, "record": ""} | settings
    model, out = fields.pop("model", None), folder / str(fields.pop("out", name))
    text = EXPERIMENT.format(name=name, parameters=parameters, **fields)
    file = folder / f"{out.name}.toml"
    file.write_text(text)
    commsim.sweep(file, out, workers=1, model=model)
    return out


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("combine")
    made = {
        "alpha": _sweep(root, "alpha"),
        "beta": _sweep(root, "beta", GRADIENT),
        "coarse": _sweep(root, "coarse", every=10),
        "quiet": _sweep(root, "quiet", GRADIENT, record="insights = false"),
        "narrow": _sweep(root, "narrow", GRADIENT, record='metrics = ["code_knowledge"]'),
        "other": _sweep(root, "other", GRADIENT, model=Other),
    }
    # the same experiment again, elsewhere: the same runs
    made["again"] = _sweep(root, "alpha", out="again")
    # the same name and parameters on a bigger organisation: other runs, the same run ids
    made["bigger"] = _sweep(root, "alpha", agents=40, out="bigger")
    # beta as if made with an extension (its manifest says so; the rows are beta's)
    extended = root / "extended"
    shutil.copytree(made["beta"], extended)
    manifest = json.loads((extended / "manifest.json").read_text())
    manifest["base_config"]["extensions"] = ["repository"]
    manifest["experiment"] = "extended"
    (extended / "manifest.json").write_text(json.dumps(manifest))
    made["extended"] = extended
    return made


def _base(sweep: Path, setting: str) -> object:
    return json.loads((sweep / "manifest.json").read_text())["base_config"][setting]


def _one_line(exc: pytest.ExceptionInfo[BaseException], *names: Path) -> str:
    text = str(exc.value)
    assert "\n" not in text
    for name in names:
        assert str(name) in text, text
    return text


# --- load_results ----------------------------------------------------------------------------


def test_two_sweeps_concatenate_with_a_sweep_column_and_filled_parameters(
    sweeps: dict[str, Path],
) -> None:
    alpha, beta = sweeps["alpha"], sweeps["beta"]
    both = commsim.load_results([alpha, beta])
    assert list(both.columns[:8]) == [
        "sweep",
        "run_id",
        "point",
        "repetition",
        "seed",
        "initial_safety",
        "authority_gradient",
        "step",
    ]
    assert both.attrs["parameters"] == ["sweep", "initial_safety", "authority_gradient"]
    assert both["sweep"].astype(str).tolist() == ["alpha"] * 12 + ["beta"] * 12
    a, b = (both[both["sweep"] == n].drop(columns="sweep") for n in ("alpha", "beta"))
    # a parameter a sweep does not vary holds its base value, from its manifest
    assert (a["authority_gradient"] == _base(alpha, "authority_gradient")).all()
    assert (b["initial_safety"] == _base(beta, "initial_safety")).all()
    assert sorted(b["authority_gradient"].unique()) == [0.1, 0.5]
    # every other cell is the sweep's own
    for part, path in ((a, alpha), (b, beta)):
        own = commsim.load_results(path)
        pd.testing.assert_frame_equal(part.reset_index(drop=True)[own.columns], own)


def test_a_single_path_gives_todays_frame_and_a_list_of_one_a_sweep_column(
    sweeps: dict[str, Path],
) -> None:
    alpha = sweeps["alpha"]
    today = commsim.load_results(alpha)
    assert "sweep" not in today.columns and not today.attrs
    assert list(today.columns[:6]) == [
        "run_id",
        "point",
        "repetition",
        "seed",
        "initial_safety",
        "step",
    ]
    listed = commsim.load_results([alpha])
    pd.testing.assert_frame_equal(listed.drop(columns="sweep"), today)
    assert (listed["sweep"] == "alpha").all()


def test_a_shared_name_falls_back_to_folders_and_a_differing_setting_is_a_column(
    sweeps: dict[str, Path],
) -> None:
    alpha, bigger = sweeps["alpha"], sweeps["bigger"]
    both = commsim.load_results([alpha, bigger], metrics="code_knowledge")
    assert both["sweep"].cat.categories.tolist() == ["alpha", "bigger"]
    assert both.attrs["parameters"] == ["sweep", "initial_safety", "n_agents"]
    by_sweep = both.groupby("sweep", observed=True)["n_agents"].unique()
    assert by_sweep.map(list).tolist() == [[30], [40]]
    # a column only the deeper organisation has is empty in the other sweep's rows
    every = commsim.load_results([alpha, bigger])
    deep = every.groupby("sweep", observed=True)["safety_level_3"].count()
    assert deep["alpha"] == 0 and deep["bigger"] == 12
    # the two sweeps' runs share ids (same parameters and repetition) yet stay apart
    assert set(both.loc[both.sweep == "alpha", "run_id"]) == set(
        both.loc[both.sweep == "bigger", "run_id"]
    )


def test_other_tables_combine_too(sweeps: dict[str, Path]) -> None:
    alpha, beta = sweeps["alpha"], sweeps["beta"]
    runs = commsim.load_results([alpha, beta], table="runs")
    assert list(runs.columns[:7]) == [
        "sweep",
        "run_id",
        "point",
        "repetition",
        "seed",
        "initial_safety",
        "authority_gradient",
    ]
    assert (runs["status"] == "done").all() and len(runs) == 8
    events = commsim.load_results([alpha, beta], table="insights")
    assert events.columns[0] == "sweep" and set(events["sweep"]) == {"alpha", "beta"}
    assert len(events) == sum(len(commsim.load_results(p, table="insights")) for p in (alpha, beta))
    failures = commsim.load_results([alpha, beta], table="failures")
    assert failures.empty and failures.columns[0] == "sweep"


def test_a_metric_every_sweep_has_may_be_named(sweeps: dict[str, Path]) -> None:
    pair = [sweeps["alpha"], sweeps["narrow"]]
    frame = commsim.load_results(pair, metrics="code_knowledge")
    assert frame.columns[-1] == "code_knowledge" and frame["code_knowledge"].notna().all()
    table = commsim.summarise_sweep(pair, "code_knowledge")
    assert table["sweep"].astype(str).tolist() == ["alpha"] * 2 + ["narrow"] * 2
    with pytest.raises(ValueError, match="has no metric 'mean_safety'"):
        commsim.summarise_sweep(pair, ["code_knowledge", "mean_safety"])


REFUSALS = [
    ("alpha", "alpha", {}, "the same folder given twice"),
    ("alpha", "again", {}, "hold 4 of the same runs"),
    ("alpha", "coarse", {}, r"recorded every 5 and every 10 steps \(\[record\] every\)"),
    ("alpha", "other", {}, "different models"),
    ("beta", "extended", {}, "different extensions"),
    ("alpha", "quiet", {"table": "insights"}, r"kept no insights table"),
    ("alpha", "narrow", {}, "did not record metric 'code_accuracy'"),
    ("alpha", "narrow", {"metrics": ["mean_safety"]}, "has no metric 'mean_safety'"),
    ("alpha", "beta", {"steps": [7]}, "step 7 was not recorded; recorded steps: 0, 5, 10"),
]


@pytest.mark.parametrize(("a", "b", "asked", "reason"), REFUSALS, ids=[r[3][:24] for r in REFUSALS])
def test_incompatible_sweeps_are_refused_in_one_line(
    sweeps: dict[str, Path], a: str, b: str, asked: dict, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        commsim.load_results([sweeps[a], sweeps[b]], **asked)
    _one_line(refused, sweeps[a])


def test_a_run_folder_is_not_a_sweep(sweeps: dict[str, Path], tmp_path: Path) -> None:
    commsim.run(None, steps=2, n_agents=20, agent_sample_size=0).save(tmp_path / "run")
    with pytest.raises(ValueError, match="not a commsim sweep directory") as refused:
        commsim.load_results([sweeps["alpha"], tmp_path / "run"])
    _one_line(refused, tmp_path / "run")


# --- summary and figures ---------------------------------------------------------------------


def test_the_summary_groups_by_sweep_and_keeps_runs_sharing_ids_apart(
    sweeps: dict[str, Path],
) -> None:
    alpha, bigger = sweeps["alpha"], sweeps["bigger"]
    table = commsim.summarise_sweep([alpha, bigger], ["code_knowledge", "insights_voiced"])
    assert list(table.columns[:4]) == ["sweep", "initial_safety", "n_agents", "metric"]
    assert len(table) == 2 * 2 * 2 and (table["n"] == 2).all()
    for name, path in (("alpha", alpha), ("bigger", bigger)):
        own = commsim.summarise_sweep(path, ["code_knowledge", "insights_voiced"])
        mine = table[table["sweep"] == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[own.columns], own)


def test_the_summary_at_a_step_needs_it_in_every_sweep(sweeps: dict[str, Path]) -> None:
    table = commsim.summarise_sweep([sweeps["alpha"], sweeps["beta"]], "code_knowledge", step=5)
    assert (table["unit"].str.contains("at step 5")).all()
    with pytest.raises(ValueError, match="step 7 was not recorded") as refused:
        commsim.summarise_sweep([sweeps["alpha"], sweeps["beta"]], "code_knowledge", step=7)
    _one_line(refused, sweeps["alpha"])


def test_figures_of_several_sweeps_need_a_folder_of_their_own(
    sweeps: dict[str, Path], tmp_path: Path
) -> None:
    alpha, beta = sweeps["alpha"], sweeps["beta"]
    with pytest.raises(ValueError, match="several sweeps: their figures go to a folder"):
        commsim.plot_sweep([alpha, beta])
    with pytest.raises(ValueError, match="inside the sweep"):
        commsim.plot_sweep([alpha, beta], alpha / "figures")
    written = commsim.plot_sweep([alpha, beta], tmp_path / "figs", "code_knowledge")
    assert sorted(p.name for p in written) == [
        "over_time_code_knowledge.png",
        "over_time_code_knowledge.svg",
    ]
    assert not (alpha / "figures").exists() and not (beta / "figures").exists()


def test_a_figure_tells_the_sweeps_apart_in_every_panel(sweeps: dict[str, Path]) -> None:
    both = qualified(commsim.load_results([sweeps["alpha"], sweeps["beta"]]))
    ((fig, stem),) = sweep_figure_set(both, both.attrs["parameters"], ["code_knowledge"])
    legends = {
        ax.get_title(): [t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes
    }
    assert stem == "over_time_code_knowledge"
    assert legends["by sweep"] == ["alpha", "beta"]
    assert legends["by initial safety"] == ["0.3, alpha", "0.6, beta", "0.8, alpha"]
    assert legends["by authority gradient"] == ["0.1, beta", "0.3, alpha", "0.5, beta"]


def test_a_setting_only_the_sweep_decides_is_no_panel_and_one_parameter_gets_a_heatmap(
    sweeps: dict[str, Path], tmp_path: Path
) -> None:
    pair = [sweeps["alpha"], sweeps["bigger"]]
    both = qualified(commsim.load_results(pair))
    assert within_and_between(both) == (["sweep", "initial_safety"], ["n_agents"])
    assert per_sweep(both, ["n_agents"]) == ["n agents 30 in alpha / 40 in bigger"]
    written = commsim.plot_sweep(pair, tmp_path / "figs", "code_knowledge")
    assert sorted(p.stem for p in written) == [
        "heatmap_code_knowledge",
        "heatmap_code_knowledge",
        "over_time_code_knowledge",
        "over_time_code_knowledge",
    ]


# --- the command line ------------------------------------------------------------------------


def test_results_of_two_sweeps(sweeps: dict[str, Path], tmp_path: Path) -> None:
    alpha, beta = sweeps["alpha"], sweeps["beta"]
    csv = tmp_path / "both.csv"
    done = cli.invoke(
        app, ["results", str(alpha), str(beta), "--metric", "code_knowledge", "--csv", str(csv)]
    )
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "alpha: 4 of 4 runs, status complete",
        "beta: 4 of 4 runs, status complete",
    ]
    assert lines[2].split()[:4] == ["sweep", "initial_safety", "authority_gradient", "metric"]
    written = pd.read_csv(csv)
    assert written["sweep"].tolist() == ["alpha", "alpha", "beta", "beta"]


def test_results_headers_name_sweeps_as_the_table_does(sweeps: dict[str, Path]) -> None:
    pair = [str(sweeps["alpha"]), str(sweeps["bigger"])]
    done = cli.invoke(app, ["results", *pair, "--metric", "mean_safety"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[:2] == [
        "alpha: 4 of 4 runs, status complete",
        "bigger (alpha): 4 of 4 runs, status complete",
    ]


def test_results_and_plot_refuse_with_exit_2_and_write_nothing(
    sweeps: dict[str, Path], tmp_path: Path
) -> None:
    alpha, coarse, beta = sweeps["alpha"], sweeps["coarse"], sweeps["beta"]
    csv = tmp_path / "out.csv"
    done = cli.invoke(app, ["results", str(alpha), str(coarse), "--csv", str(csv)])
    assert done.exit_code == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot combine sweeps") and "[record] every" in line
    assert not csv.exists()
    done = cli.invoke(app, ["plot", str(alpha), str(beta)])
    assert done.exit_code == 2 and "--out DIR" in done.stderr
    done = cli.invoke(app, ["plot", str(alpha), str(coarse), "--out", str(tmp_path / "figs")])
    assert done.exit_code == 2 and "cannot combine sweeps" in done.stderr
    assert not (tmp_path / "figs").exists()
    for sweep in (alpha, beta, coarse):
        assert not (sweep / "figures").exists()


def test_plot_of_two_sweeps(sweeps: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "figs"
    done = cli.invoke(app, ["plot", str(sweeps["alpha"]), str(sweeps["beta"]), "--out", str(out)])
    assert done.exit_code == 0, done.output
    figures = sorted(p.name for p in out.glob("*.png"))
    assert done.stdout.strip() == f"wrote {2 * len(figures)} files to {out}/"
    assert "over_time_code_knowledge.png" in figures
