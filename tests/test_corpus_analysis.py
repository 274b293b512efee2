"""The adversarial corpus for the analysis commands (`results`, `analyse`, `plot`), and what
the reading side of the API promises: numbers labelled as what they are, steps that exist,
empty tables that keep their columns, figures written where they are said to be.

The sweeps and the run folder are built once per module and copied into each case's folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import commsim
from commsim.cli import app

from .conftest import CONFIGS
from .corpus import Case, refuse, snapshot
from .test_sweep_run import forget_runs

GRID = f"""\
name = "grid"
base = "{CONFIGS / "default.toml"}"
steps = 30
repetitions = 2
seed = 11
[overrides]
n_agents = 40
agent_sample_size = 0
[parameters]
initial_safety = [0.2, 0.9]
punitiveness = [0.1, 0.7]
[record]
every = 10
insights = false
"""
SOBOL = f"""\
name = "sampled"
base = "{CONFIGS / "default.toml"}"
steps = 10
seed = 3
[overrides]
n_agents = 30
agent_sample_size = 0
[design]
kind = "sobol"
samples = 2
[parameters]
initial_safety = {{ distribution = "uniform", low = 0.1, high = 0.9 }}
authority_gradient = {{ distribution = "uniform", low = 0.0, high = 0.8 }}
[record]
every = "end"
metrics = ["code_knowledge", "insights_voiced", "departures", "interventions"]
"""


def _sweep(root: Path, name: str, text: str) -> Path:
    experiment = root / f"{name}.toml"
    experiment.write_text(text)
    out = root / name
    commsim.sweep(experiment, out, workers=1)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A factorial sweep (every 10 steps), a Sobol sweep (end only), a run folder."""
    root = tmp_path_factory.mktemp("analysis")
    folders = {"grid": _sweep(root, "grid", GRID), "sobol": _sweep(root, "sobol", SOBOL)}
    folders["run"] = commsim.run(None, steps=5, n_agents=30, agent_sample_size=0).save(root / "run")
    return folders


BUILT: dict[str, Path] = {}


@pytest.fixture(autouse=True)
def _share(built: dict[str, Path]) -> None:
    BUILT.update(built)


def copy(name: str, to: str = "s") -> object:
    """A setup that copies a built folder into the case's folder as ``to``."""
    return lambda root: shutil.copytree(BUILT[name], root / to)


def emptied(name: str) -> object:
    """A setup: the sweep with none of its runs finished (metrics removed)."""

    def setup(root: Path) -> None:
        shutil.copytree(BUILT[name], root / "s")
        for file in (root / "s" / "metrics").iterdir():
            file.unlink()

    return setup


def holed(root: Path) -> None:
    """The Sobol sweep with two design points' runs missing (its one repetition of each)."""
    shutil.copytree(BUILT["sobol"], root / "s")
    forget_runs(root / "s", 2)


def manifest_edit(**changes: object) -> object:
    def setup(root: Path) -> None:
        shutil.copytree(BUILT["grid"], root / "s")
        path = root / "s" / "manifest.json"
        manifest = json.loads(path.read_text())
        for key, value in changes.items():
            if value is None:
                manifest.pop(key)
            else:
                manifest[key] = value
        path.write_text(json.dumps(manifest))

    return setup


def broken_manifest(root: Path) -> None:
    shutil.copytree(BUILT["grid"], root / "s")
    (root / "s" / "manifest.json").write_text("{ not json")


def corrupt_runs(root: Path) -> None:
    shutil.copytree(BUILT["grid"], root / "s")
    (root / "s" / "runs.parquet").write_bytes(b"PAR1 truncated")


def corrupt_metrics(root: Path) -> None:
    shutil.copytree(BUILT["grid"], root / "s")
    first = sorted((root / "s" / "metrics").iterdir())[0]
    first.write_bytes(b"not parquet at all")


NOT_A_SWEEP = "not a commsim sweep directory"
CASES = [
    # every analysis command on things that are not a sweep
    *(
        Case(f"{cmd}-missing-folder", [cmd, "nowhere"], ["nowhere", "no such sweep directory"])
        for cmd in ("results", "analyse", "plot")
    ),
    *(
        Case(
            f"{cmd}-a-file",
            [cmd, "notes.txt"],
            ["notes.txt: not a directory"],
            files={"notes.txt": "hi"},
        )
        for cmd in ("results", "analyse", "plot")
    ),
    *(
        Case(
            f"{cmd}-empty-folder",
            [cmd, "empty"],
            [NOT_A_SWEEP],
            setup=lambda r: (r / "empty").mkdir(),
        )
        for cmd in ("results", "analyse", "plot")
    ),
    *(
        Case(f"{cmd}-a-run-folder", [cmd, "s"], ["s", NOT_A_SWEEP], setup=copy("run"))
        for cmd in ("results", "analyse", "plot")
    ),
    *(
        Case(f"{cmd}-unfinished-sweep", [cmd, "s"], ["no finished runs yet"], setup=emptied("grid"))
        for cmd in ("results", "plot")
    ),
    Case(
        "analyse-unfinished-sweep",
        ["analyse", "s"],
        ["no finished runs yet"],
        setup=emptied("sobol"),
    ),
    Case("results-manifest-not-json", ["results", "s"], [NOT_A_SWEEP], setup=broken_manifest),
    Case(
        "results-manifest-of-something-else",
        ["results", "s"],
        [NOT_A_SWEEP],
        setup=manifest_edit(kind="something-else"),
    ),
    Case(
        "plot-manifest-without-parameters",
        ["plot", "s"],
        ["manifest.json", "'parameters'"],
        setup=manifest_edit(parameters=None),
    ),
    Case(
        "analyse-manifest-without-design",
        ["analyse", "s"],
        ["manifest.json", "'design'"],
        setup=manifest_edit(design=None),
    ),
    Case(
        "analyse-a-latin-sweep",
        ["analyse", "s"],
        ["this sweep is latin"],
        setup=manifest_edit(design={"kind": "latin", "points": 4}),
    ),
    Case(
        "analyse-a-design-without-its-problem",
        ["analyse", "s"],
        ["design has no SALib problem"],
        setup=manifest_edit(design={"kind": "sobol", "samples": 2, "points": 4}),
    ),
    Case("results-corrupt-run-table", ["results", "s"], ["runs.parquet"], setup=corrupt_runs),
    Case(
        "results-corrupt-metrics-file",
        ["results", "s"],
        ["s/metrics/", ".parquet: not a readable Parquet file"],
        setup=corrupt_metrics,
    ),
    Case(
        "plot-corrupt-metrics-file",
        ["plot", "s", "--metric", "code_knowledge"],
        ["s/metrics/", ".parquet: not a readable Parquet file"],
        setup=corrupt_metrics,
    ),
    # wrong metrics
    Case(
        "results-misspelt-metric",
        ["results", "s", "--metric", "code_knowlege"],
        ["unknown metric 'code_knowlege'", "did you mean 'code_knowledge'"],
        setup=copy("grid"),
    ),
    Case(
        "results-a-parameter-as-metric",
        ["results", "s", "--metric", "initial_safety"],
        ["unknown metric 'initial_safety'"],
        setup=copy("grid"),
    ),
    Case(
        "results-text-column-as-metric",
        ["results", "s", "--metric", "interventions"],
        ["unknown metric 'interventions'"],
        setup=copy("grid"),
    ),
    Case(
        "results-metric-not-recorded",
        ["results", "s", "--metric", "mean_safety"],
        ["unknown metric 'mean_safety'"],
        setup=copy("sobol"),
    ),
    Case(
        "plot-misspelt-metric",
        ["plot", "s", "--metric", "mean_safty"],
        ["unknown metric 'mean_safty'", "did you mean 'mean_safety'"],
        setup=copy("grid"),
    ),
    Case(
        "plot-a-parameter-as-metric",
        ["plot", "s", "--metric", "punitiveness"],
        ["unknown metric 'punitiveness'"],
        setup=copy("grid"),
    ),
    Case(
        "analyse-misspelt-metric",
        ["analyse", "s", "--metric", "insights_voice"],
        ["did you mean 'insights_voiced'"],
        setup=copy("sobol"),
    ),
    Case(
        "analyse-metric-that-never-varies",
        ["analyse", "s", "--metric", "departures"],
        ["does not vary"],
        setup=copy("sobol"),
    ),
    # wrong statistics and steps
    Case(
        "results-unknown-statistic",
        ["results", "s", "--statistic", "median"],
        ["unknown statistic 'median'", "auto, final, total, mean"],
        setup=copy("grid"),
    ),
    Case(
        "analyse-unknown-statistic",
        ["analyse", "s", "--statistic", "max"],
        ["unknown statistic 'max'"],
        setup=copy("sobol"),
    ),
    Case(
        "results-step-not-recorded",
        ["results", "s", "--step", "55"],
        ["step 55 was not recorded", "recorded steps: 0, 10, 20, 30"],
        setup=copy("grid"),
    ),
    Case(
        "results-negative-step",
        ["results", "s", "--step", "-10"],
        ["step -10 was not recorded"],
        setup=copy("grid"),
    ),
    Case(
        "results-step-not-a-number",
        ["results", "s", "--step", "last"],
        ["--step 'last': expected a whole number"],
        setup=copy("grid"),
    ),
    Case(
        "results-step-of-an-end-only-sweep",
        ["results", "s", "--step", "5"],
        ["recorded steps: 10"],
        setup=copy("sobol"),
    ),
    # designs analyse cannot read
    Case(
        "analyse-a-factorial-sweep",
        ["analyse", "s"],
        ["this sweep is factorial"],
        setup=copy("grid"),
    ),
    Case(
        "analyse-a-sweep-with-missing-points",
        ["analyse", "s"],
        ["design points have no finished run", "finish the sweep"],
        setup=holed,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_analysis_refusals(case: Case, tmp_path: Path) -> None:
    refuse(case, tmp_path)


def run_cli(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


# --- what the analysis commands say when they succeed --------------------------------------


def test_results_shows_the_metrics_the_experiment_asked_for(tmp_path: Path) -> None:
    shutil.copytree(BUILT["sobol"], tmp_path / "s")
    result = run_cli("results", tmp_path / "s", "--csv", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "r.csv")
    # the experiment named three numeric metrics (and the text column interventions): none
    # dropped (the old default list kept code_knowledge alone)
    assert list(pd.unique(table["metric"])) == ["code_knowledge", "insights_voiced", "departures"]
    assert dict(zip(table.metric, table.unit, strict=False)) == {
        "code_knowledge": "(right - wrong) / m, at the last step",
        "insights_voiced": "insights, run total",
        "departures": "members, run total",
    }


def test_results_mean_of_a_counter_is_per_step(tmp_path: Path) -> None:
    """Recorded every 10 steps, the mean of recorded rows would be 10x the per-step mean."""
    grid = BUILT["grid"]
    result = run_cli(
        "results", grid, "--metric", "insights_voiced", "--statistic", "mean",
        "--csv", tmp_path / "m.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "m.csv")
    frame = commsim.load_results(grid)
    per_run = frame.groupby("run_id").agg(
        total=("insights_voiced", "sum"), steps=("step", "max"), s=("initial_safety", "first"),
        p=("punitiveness", "first"),
    )  # fmt: skip
    expected = (per_run.total / per_run.steps).groupby([per_run.s, per_run.p]).mean()
    assert table["mean"].to_numpy() == pytest.approx(expected.to_numpy())
    assert table["unit"].eq("insights per step").all()
    assert "warning: some intervals rest on 2 run(s)" in result.stderr  # 2 repetitions


def test_results_intervals_stay_in_the_metrics_domain() -> None:
    table = commsim.summarise_sweep(BUILT["grid"])
    counts = table[table.metric.isin(["insights_suppressed", "insights_codified"])]
    assert (counts.ci_low >= 0).all()  # 2 runs: t(1) = 12.7 would reach far below zero
    shares = table[table.metric.isin(["code_knowledge", "mean_knowledge"])]
    assert (shares.ci_high <= 1).all() and (shares.ci_low >= -1).all()
    defined = table.dropna(subset=["ci_low"])
    assert len(defined) > 100
    assert (defined.ci_low <= defined["mean"]).all() and (defined["mean"] <= defined.ci_high).all()


def test_analyze_draws_the_indices_and_warns_of_a_tiny_sample(tmp_path: Path) -> None:
    shutil.copytree(BUILT["sobol"], tmp_path / "s")
    result = run_cli("analyse", tmp_path / "s", "--metric", "insights_voiced")
    assert result.exit_code == 0, result.output
    figures = tmp_path / "s" / "figures"
    assert sorted(p.name for p in figures.iterdir()) == [
        ".commsim-figures.json",
        "sobol_insights_voiced.png",
        "sobol_insights_voiced.svg",
    ]
    assert f"wrote {figures / 'sobol_insights_voiced.png'}" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: the Sobol sample is too small")
    assert "with 2 base samples" in lines[0]


def test_plot_labels_counters_per_step_and_shows_the_experiment(tmp_path: Path) -> None:
    """The figure over time divides each row's count by the 10 steps it covers."""
    from commsim.experiment.figures import About, sweep_figure_set

    frame = commsim.load_results(BUILT["grid"])
    about = About(name="grid", fixed=("n agents 40",))
    (fig, stem), *_ = sweep_figure_set(frame, ["initial_safety"], ["insights_voiced"], about=about)
    assert stem == "over_time_insights_voiced"
    ax = fig.axes[0]
    assert ax.get_ylabel() == "insights voiced [insights per step]"
    assert fig.get_suptitle().replace("\n", " ") == "grid: insights voiced per step over time"
    low = frame[frame.initial_safety == 0.2]
    rates = low.assign(rate=low.insights_voiced / 10.0).groupby("step").rate.mean()
    line = ax.lines[0]
    plotted = pd.Series(line.get_ydata(), index=line.get_xdata())
    assert plotted.loc[10:].to_numpy() == pytest.approx(rates.loc[10:].to_numpy())
    assert fig.get_supxlabel().startswith(
        "fixed: n agents 40\nlines: mean and 95% t interval over 4 runs each\nrecorded every 10"
    )


def test_plot_writes_the_experiments_metrics_by_default(tmp_path: Path) -> None:
    shutil.copytree(BUILT["sobol"], tmp_path / "s")
    result = run_cli("plot", tmp_path / "s")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "s" / "figures").glob("*.png"))
    assert names == [
        "final_code_knowledge.png",
        "final_departures.png",
        "final_insights_voiced.png",
    ]


# --- the reading side of the API -----------------------------------------------------------


def test_load_results_names_the_steps_that_exist() -> None:
    with pytest.raises(
        ValueError, match=r"step 55 was not recorded; recorded steps: 0, 10, 20, 30"
    ):
        commsim.load_results(BUILT["grid"], steps=[55])
    with pytest.raises(
        ValueError, match=r"step 7 was not recorded; recorded steps: 0, 1, 2, 3, 4, 5"
    ):
        commsim.load_results(BUILT["run"], steps=[3, 7])
    assert commsim.load_results(BUILT["grid"], steps=[10, 30]).step.unique().tolist() == [10, 30]


def test_empty_tables_keep_their_columns() -> None:
    failures = commsim.load_results(BUILT["grid"], table="failures")
    assert failures.empty
    assert list(failures.columns) == [
        "run_id", "point", "repetition", "seed", "initial_safety", "punitiveness",
        "error", "traceback", "failed_utc",
    ]  # fmt: skip
    insights = commsim.load_results(BUILT["grid"], table="insights")  # insights = false
    assert insights.empty
    assert list(insights.columns) == [
        "run_id", "insight", "step", "event", "member", "holder", "dim", "value", "born",
    ]  # fmt: skip
    recorded = commsim.load_results(BUILT["sobol"], table="insights")
    assert list(recorded.columns) == list(insights.columns)


def test_a_refused_figure_leaves_the_sweep_untouched(tmp_path: Path) -> None:
    shutil.copytree(BUILT["grid"], tmp_path / "s")
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match="unknown metric"):
        commsim.plot_sweep(tmp_path / "s", metrics=["nothing"])
    assert snapshot(tmp_path) == before
