"""Running sweeps: the dataset they write, byte-identical backends, resume after a kill,
Ctrl-C, failure isolation and the command line."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import commsim
from commsim.cli import app
from commsim.experiment.plan import RunTask, plan_sweep
from commsim.experiment.runner import execute
from commsim.experiment.spec import load_experiment
from commsim.experiment.store import SweepStore
from commsim.model.model import CommunityModel

from .conftest import CONFIGS
from .golden import content

COMMSIM = Path(sys.executable).with_name("commsim")
cli = CliRunner()

FAST = f"""\
name = "fast"
base = "{CONFIGS / "default.toml"}"
steps = 30
repetitions = 2
seed = 11
[overrides]
n_agents = 60
agent_sample_size = 0
[parameters]
initial_safety = [0.2, 0.9]
punitiveness = [0.1, 0.7]
[record]
every = 10
"""
# runs of about a second (12 of them), so a kill or a second writer lands mid-sweep even on a
# busy machine
SLOW = FAST.replace("steps = 30", "steps = 300").replace("n_agents = 60", "n_agents = 500")
SLOW = SLOW.replace("punitiveness = [0.1, 0.7]", "punitiveness = [0.1, 0.4, 0.7]")


@pytest.fixture
def fast(tmp_path: Path) -> Path:
    path = tmp_path / "fast.toml"
    path.write_text(FAST)
    return path


def data_files(root: Path) -> dict[str, str]:
    """Every stored run's rows, model and insights, fingerprinted (names, dtypes, exact bits)."""
    found = {}
    for table in ("model", "insights"):
        frame = commsim.load_results(root, table)
        for run_id, rows in frame.groupby("run_id"):
            found[f"{table}/{run_id}"] = content(rows.reset_index(drop=True))
    return found


def done_runs(root: Path) -> set[str]:
    return SweepStore(root).done_ids() if (root / "metrics").is_dir() else set()


def forget_runs(root: Path, count: int) -> list[str]:
    """Remove the first ``count`` done runs (by id) from a sweep's stored metrics."""
    gone = sorted(done_runs(root))[:count]
    for chunk in (root / "metrics").glob("chunk-*.parquet"):
        table = pq.read_table(chunk)
        pq.write_table(table.filter(~pc.field("run_id").isin(gone)), chunk)
    return gone


def planned_ids(experiment: Path) -> set[str]:
    return {t.run_id for t in plan_sweep(load_experiment(experiment)).tasks}


def test_a_sweep_is_a_tidy_dataset_with_parameters_on_every_row(fast: Path, tmp_path: Path) -> None:
    report = commsim.sweep(fast, tmp_path / "out", workers=1)
    assert (report.planned, report.done, report.failed) == (8, 8, 0)
    frame = commsim.load_results(tmp_path / "out")
    assert len(frame) == 8 * 4  # steps 0, 10, 20, 30
    assert list(frame.columns[:7]) == [
        "run_id", "point", "repetition", "seed", "initial_safety", "punitiveness", "step",
    ]  # fmt: skip
    assert not frame.duplicated(["run_id", "step"]).any()
    assert all(steps == [0, 10, 20, 30] for steps in frame.groupby("run_id").step.apply(list))
    # the rows are what the model records for that run, with that run's config
    task = plan_sweep(load_experiment(fast)).tasks[5]
    model = CommunityModel(task.config)
    model.run()
    mine = frame[frame.run_id == task.run_id].reset_index(drop=True)
    full = model.model_frame()
    events = list(model.catalogue.events_of(model.config))
    states = [c for c in full.columns if c not in events]
    theirs = full.loc[[0, 10, 20, 30], states].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[states], theirs, check_dtype=False)
    # event counters on a kept row count the steps since the previous kept row
    since = full[events].groupby((full.step + 9) // 10).sum()
    assert (mine[events].to_numpy() == since.to_numpy()).all()
    assert mine.insights_generated.sum() == full.insights_generated.sum() > 0
    assert mine.initial_safety.eq(task.config.initial_safety).all()


def test_sweep_tables_and_selection(fast: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    commsim.sweep(fast, out, workers=1)
    some = commsim.load_results(out, metrics="code_knowledge", steps=[30])
    assert len(some) == 8 and some.columns[-1] == "code_knowledge" and some.step.eq(30).all()
    last = commsim.load_results(out, metrics=["mean_safety"], steps=slice(-1, None))
    assert len(last) == 8 and last.step.eq(30).all()
    insights = commsim.load_results(out, table="insights")
    assert set(insights.run_id) <= set(some.run_id) and len(insights) > 0
    runs = commsim.load_results(out, table="runs")
    assert len(runs) == 8 and runs.status.eq("done").all()
    with pytest.raises(ValueError, match="did you mean 'code_knowledge'"):
        commsim.load_results(out, metrics="code_knowlege")
    meta = json.loads(
        pq.read_schema(next(out.glob("metrics/chunk-*.parquet"))).metadata[b"commsim"]
    )
    assert meta["experiment"] == "fast" and meta["versions"]["commsim"] == commsim.__version__
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] == {"planned": 8, "done": 8, "failed": 0, "pending": 0}
    assert manifest["status"] == "complete" and manifest["sessions"][0]["finished_utc"]
    assert (out / "experiment.toml").read_text() == FAST


def test_record_only_the_end_and_some_metrics(fast: Path, tmp_path: Path) -> None:
    text = fast.read_text().replace("every = 10", 'every = "end"\nmetrics = ["code_knowledge"]')
    fast.write_text(text + "insights = false\n")
    commsim.sweep(fast, tmp_path / "out", workers=1)
    frame = commsim.load_results(tmp_path / "out")
    assert frame.step.eq(30).all() and len(frame) == 8
    assert frame.columns[-2:].tolist() == ["step", "code_knowledge"]
    assert commsim.sweep_metrics(tmp_path / "out") == ["code_knowledge"]
    result = run_cli("results", tmp_path / "out")  # the default metrics it recorded
    assert result.exit_code == 0 and "code_knowledge" in result.output
    assert "mean_safety" not in result.output
    assert not list((tmp_path / "out" / "insights").iterdir())


def test_serial_and_process_pool_store_identical_runs(fast: Path, tmp_path: Path) -> None:
    commsim.sweep(fast, tmp_path / "serial", workers=1)
    commsim.sweep(fast, tmp_path / "pool", workers=2)
    serial = data_files(tmp_path / "serial")
    assert len(serial) == 16 and serial == data_files(tmp_path / "pool")


class Fragile(CommunityModel):
    """Blows up at step 7 of the run whose seed is ``doomed`` (a module's model, so a sweep
    names it by its import path)."""

    doomed: int | None = None

    def step(self) -> None:
        if self.config.seed == Fragile.doomed and self.steps == 7:
            raise FloatingPointError("simulated blow-up")
        super().step()


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(
    fast: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doomed = plan_sweep(load_experiment(fast)).tasks[3]
    monkeypatch.setattr(Fragile, "doomed", doomed.seed)
    report = commsim.sweep(fast, tmp_path / "out", workers=1, model=Fragile)
    assert (report.done, report.failed, report.status) == (7, 1, "complete with failures")
    failures = commsim.load_results(tmp_path / "out", table="failures")
    assert failures.run_id.tolist() == [doomed.run_id]
    assert failures.error[0] == "FloatingPointError: simulated blow-up"
    assert "Traceback" in failures.traceback[0]
    runs = commsim.load_results(tmp_path / "out", table="runs")
    assert runs.set_index("run_id").status[doomed.run_id] == "failed"

    monkeypatch.undo()  # fixed: --resume retries only the failed run
    again = commsim.sweep(fast, tmp_path / "out", workers=1, resume=True, model=Fragile)
    assert (again.done, again.failed, again.skipped) == (8, 0, 7)
    assert not list((tmp_path / "out" / "failures").iterdir())


def test_resume_refuses_runs_of_a_different_basis(fast: Path, tmp_path: Path) -> None:
    commsim.sweep(fast, tmp_path / "out", workers=1)
    fast.write_text(fast.read_text().replace("steps = 30", "steps = 31"))
    with pytest.raises(ValueError, match=r"other settings than this experiment \(steps 30 -> 31\)"):
        commsim.sweep(fast, tmp_path / "out", workers=1, resume=True)
    with pytest.raises(FileExistsError, match="pass --resume"):
        commsim.sweep(fast, tmp_path / "out", workers=1)


def test_resume_extends_a_sweep_with_new_values(fast: Path, tmp_path: Path) -> None:
    commsim.sweep(fast, tmp_path / "out", workers=1)
    before = data_files(tmp_path / "out")
    fast.write_text(fast.read_text().replace("[0.2, 0.9]", "[0.2, 0.5, 0.9]"))
    report = commsim.sweep(fast, tmp_path / "out", workers=1, resume=True)
    assert (report.planned, report.skipped, report.done) == (12, 8, 12)
    after = data_files(tmp_path / "out")
    assert {k: after[k] for k in before} == before


def _hears_ctrl_c() -> None:
    """In the child: Ctrl-C as a terminal's foreground job has it. A suite started in the
    background of a script ignores SIGINT, and a child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(experiment: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [COMMSIM, "sweep", experiment, "--out", out, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, pool workers included
        preexec_fn=_hears_ctrl_c,
    )


def _wait_for_runs(out: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while len(done_runs(out)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sweep made no progress"
        time.sleep(0.05)


def test_kill_9_mid_sweep_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    experiment, out = tmp_path / "slow.toml", tmp_path / "out"
    experiment.write_text(SLOW)
    planned = planned_ids(experiment)
    process = _start(experiment, out, "--workers", "2")
    _wait_for_runs(out, 3, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stored = done_runs(out)
    assert 3 <= len(stored) < len(planned)
    for path in out.glob("*/*.parquet"):  # nothing visible is half-written
        pq.read_table(path)
    assert set(commsim.load_results(out).run_id) == stored  # open chunks' whole runs read too

    done = subprocess.run(
        [COMMSIM, "sweep", experiment, "--out", out, "--resume", "--workers", "2"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"({len(stored)} were done before)" in done.stdout
    frame = commsim.load_results(out)
    assert set(frame.run_id) == planned
    assert not frame.duplicated(["run_id", "step"]).any()
    leftovers = [p.name for p in out.glob("*/*") if p.suffix not in (".parquet", ".json")]
    assert not leftovers  # every chunk closed, no temporaries
    # a run stored before the kill holds what a clean run of it would
    task = next(t for t in plan_sweep(load_experiment(experiment)).tasks if t.run_id in stored)
    clean = execute(task).metrics.to_pandas()
    pd.testing.assert_frame_equal(frame[frame.run_id == task.run_id].reset_index(drop=True), clean)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    experiment, out = tmp_path / "slow.toml", tmp_path / "out"
    experiment.write_text(SLOW)
    process = _start(experiment, out, "--workers", "2")
    _wait_for_runs(out, 1, process)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole group
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"interrupted:" in stderr and b"--resume" in stderr and b"interrupted" not in stdout
    assert b"Traceback" not in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["runs"]["done"] == len(done_runs(out))


def run_cli(*args: object) -> object:
    return cli.invoke(app, [str(a) for a in args])


def test_cli_sweep_dry_run_prints_the_table_and_runs_nothing(fast: Path, tmp_path: Path) -> None:
    result = run_cli("sweep", fast, "--out", tmp_path / "out", "--dry-run")
    assert result.exit_code == 0
    assert "8 runs (4 points x 2 repetitions, factorial design)" in result.output
    assert result.output.count("\n") >= 9 and not (tmp_path / "out").exists()


def test_cli_sweep_runs_and_reports(fast: Path, tmp_path: Path) -> None:
    result = run_cli("sweep", fast, "--out", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "fast: 8 of 8 runs done (0 were done before), 0 failed" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers 0: must be at least 1"),
        (["--workers", "two"], "expected a whole number"),
        (["--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
        (["--scheduler", "localhost"], "--scheduler 'localhost': missing port number"),
    ],
)
def test_cli_sweep_option_errors(fast: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("sweep", fast, "--out", tmp_path / "out", *args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_cli_sweep_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(FAST.replace("repetitions = 2", "repetitions = -1"))
    result = run_cli("sweep", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "field 'repetitions'" in result.output
    missing = run_cli("sweep", tmp_path / "nope.toml")
    assert missing.exit_code == 2 and "no such experiment file" in missing.output
    good = tmp_path / "good.toml"
    good.write_text(FAST)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    taken = run_cli("sweep", good, "--out", tmp_path / "taken")
    assert taken.exit_code == 2 and "does not hold a commsim sweep" in taken.output
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


SAMPLED = f"""\
name = "sampled"
base = "{CONFIGS / "default.toml"}"
steps = 20
seed = 3
[overrides]
n_agents = 40
agent_sample_size = 0
[design]
kind = "KIND"
samples = 4
[parameters]
initial_safety = {{ distribution = "uniform", low = 0.1, high = 0.9 }}
authority_gradient = {{ distribution = "uniform", low = 0.0, high = 0.8 }}
span_of_control = {{ distribution = "uniform", low = 2, high = 8, integer = true }}
[record]
every = "end"
"""


@pytest.mark.parametrize(
    ("kind", "points", "columns"),
    [
        ("sobol", 4 * (3 + 2), ["S1", "S1_conf", "ST", "ST_conf"]),
        ("morris", 4 * (3 + 1), ["mu", "mu_star", "mu_star_conf", "sigma"]),
    ],
)
def test_cli_analyse_a_sampled_sweep(
    tmp_path: Path, kind: str, points: int, columns: list[str]
) -> None:
    path = tmp_path / "sampled.toml"
    path.write_text(SAMPLED.replace("KIND", kind))
    out = tmp_path / "out"
    assert run_cli("sweep", path, "--out", out, "--workers", "1").exit_code == 0
    assert len(commsim.load_results(out)) == points
    result = run_cli("analyse", out, "--metric", "insights_voiced", "--csv", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s.csv")
    assert table.parameter.tolist() == ["initial_safety", "authority_gradient", "span_of_control"]
    assert table[columns].notna().all().all()
    assert table.statistic.eq("total").all()  # voiced insights: a run total


def test_cli_results_plot_and_analyse_of_a_grid(fast: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    commsim.sweep(fast, out, workers=1)
    result = run_cli("results", out, "--metric", "code_knowledge", "--csv", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("fast: 8 of 8 runs, status complete")
    table = pd.read_csv(tmp_path / "r.csv")
    assert len(table) == 4 and table.n.eq(2).all()
    final = commsim.load_results(out, steps=[30]).groupby(["initial_safety", "punitiveness"])
    expected = final.code_knowledge.mean().to_numpy()
    assert table["mean"].to_numpy() == pytest.approx(expected)
    plotted = run_cli("plot", out, "--metric", "code_knowledge")
    assert plotted.exit_code == 0, plotted.output
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == [
        ".commsim-figures.json",  # the list of what plot drew there: its own to replace
        "heatmap_code_knowledge.png", "heatmap_code_knowledge.svg",
        "over_time_code_knowledge.png", "over_time_code_knowledge.svg",
    ]  # fmt: skip
    refused = run_cli("analyse", out)
    assert refused.exit_code == 2 and "this sweep is factorial" in refused.output
    nothing = run_cli("results", tmp_path)
    assert nothing.exit_code == 2 and "not a commsim sweep directory" in nothing.output


def test_a_script_without_a_main_guard_can_sweep_on_a_pool(fast: Path, tmp_path: Path) -> None:
    script = tmp_path / "analysis.py"
    script.write_text(
        "import commsim\n"
        f"report = commsim.sweep({str(fast)!r}, {str(tmp_path / 'out')!r}, workers=2)\n"
        "print(report.done, report.failed)\n"
    )
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "8 0" and "Warning" not in done.stderr


def test_resume_notes_when_the_code_changed(fast: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    commsim.sweep(fast, out, workers=1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert commsim.sweep(fast, out, workers=1, resume=True).notes == ()
    manifest["git_commit"], manifest["versions"]["numpy"] = "0123abc", "1.0"
    (out / "manifest.json").write_text(json.dumps(manifest))
    notes = commsim.sweep(fast, out, workers=1, resume=True).notes
    assert notes[0].startswith("earlier runs came from commit 0123abc, new ones from ")
    assert notes[1].startswith("earlier runs used numpy 1.0, new ones ")


def _as_if_begun_before(out: Path, field: str) -> None:
    """Edit a sweep's manifest as a commsim without ``field`` would have written it."""
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["basis_fields"]["base"][field]
    manifest["basis"] = "0123456789abcdef"
    path.write_text(json.dumps(manifest))


def test_a_setting_added_to_commsim_at_its_default_does_not_block_a_resume(
    fast: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    commsim.sweep(fast, out, workers=1)
    forget_runs(out, 2)
    _as_if_begun_before(out, "tacit_share")
    report = commsim.sweep(fast, out, workers=1, resume=True)
    assert (report.done, report.skipped) == (8, 6)
    assert any("since the earlier runs, at their defaults" in n and "tacit_share" in n
               for n in report.notes)  # fmt: skip
    # a value other than the default would have changed the numbers: refused, named
    _as_if_begun_before(out, "tacit_share")
    fast.write_text(fast.read_text().replace("[overrides]", "[overrides]\ntacit_share = 0.2"))
    with pytest.raises(ValueError, match=r"\(tacit_share null -> 0.2\)"):
        commsim.sweep(fast, out, workers=1, resume=True)


def test_runs_go_to_workers_in_batches_sized_to_a_fraction_of_a_second() -> None:
    from commsim.experiment.runner import BATCH_MAX, BATCH_SECONDS, Pace, RunOutcome, batches

    pace = Pace()
    assert pace.size() == 1  # nothing timed yet
    pace.saw(RunOutcome("a", wall_time_s=30.0))  # a process's first run: start-up, not timed
    assert pace.size() == 1
    for wall in (0.001, 0.003):
        pace.saw(RunOutcome("b", wall_time_s=wall, warm=True))
    assert pace.size() == int(BATCH_SECONDS / 0.002)
    pace.saw(RunOutcome("c", wall_time_s=0.0, warm=True))
    assert pace.size() == int(BATCH_SECONDS / (0.004 / 3))
    slow = Pace()
    slow.saw(RunOutcome("d", wall_time_s=5.0, warm=True))
    assert slow.size() == 1
    fast = Pace()
    fast.saw(RunOutcome("e", wall_time_s=1e-5, warm=True))
    assert fast.size() == BATCH_MAX
    # sizes are asked as each batch is taken; every task goes, once, in order
    tasks = list(plan_sweep(load_experiment(CONFIGS / "experiments" / "smoke.toml")).tasks)
    sizes = itertools.chain([1, 5], itertools.repeat(100))
    grown = list(batches(tasks, type("Fixed", (), {"size": lambda self: next(sizes)})()))
    assert [len(b) for b in grown] == [1, 5, len(tasks) - 6]
    assert [t for b in grown for t in b] == tasks


def test_runs_made_together_store_what_each_stores_alone(fast: Path) -> None:
    """The serial backend makes a batch's tables at once; every run's table must be the one
    it gets alone: its own rows, names and types, across runs of other shapes (more levels,
    every step or the end alone) and a failed run between them."""
    import dataclasses

    import pyarrow as pa

    from commsim.experiment.runner import Batch, _tables, execute_batch, execute_together

    march = CONFIGS / "experiments" / "validation" / "march1991_learning_rates.toml"
    figure = plan_sweep(load_experiment(march)).tasks
    tasks = [*figure[:3], *plan_sweep(load_experiment(fast)).tasks[:3], *figure[-3:]]
    tasks.insert(4, dataclasses.replace(tasks[4], model="commsim.nowhere:Model"))
    tasks.append(dataclasses.replace(tasks[0], config=tasks[0].config.model_copy(
        update={"n_agents": 400, "seed": 5})))  # fmt: skip  # more levels: other columns
    together = execute_together(tasks)
    batched = pickle.loads(pickle.dumps(execute_batch(Batch(tasks)))).unpack()  # as sent back
    alone = [execute(task) for task in tasks]
    assert [o.ok for o in together] == [o.ok for o in alone] == [True] * 4 + [False] + [True] * 6
    assert [o.ok for o in batched] == [o.ok for o in alone]
    assert [o.batch_end for o in batched] == [False] * (len(tasks) - 1) + [True]
    for mine, packed, own in zip(together, batched, alone, strict=True):
        if own.ok:
            assert mine.metrics.schema == packed.metrics.schema == own.metrics.schema
            assert content(mine.metrics.to_pandas()) == content(own.metrics.to_pandas())
            assert content(packed.metrics.to_pandas()) == content(own.metrics.to_pandas())
    # a column holding other Python types in one run is that run's type, not the batch's
    runs = [{"run_id": ["a"], "x": [1]}, {"run_id": ["b"], "x": [0.5]}, {"run_id": ["c"], "x": [2]}]
    types = [table.schema.field("x").type for table in _tables(runs)]
    assert types == [pa.int64(), pa.float64(), pa.int64()]


def test_a_batch_sent_to_a_worker_parses_each_config_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``runner.Batch`` pickles each config as data once for the tasks that differ from it
    only in the seed (a point's runs under one policy): the worker parses it once and gets
    every task as it was, seeds, interventions and all."""
    from commsim.experiment import runner

    policies = plan_sweep(load_experiment(CONFIGS / "experiments" / "coaches_vs_walls.toml"))
    assert policies.tasks[0].policy == "none" and policies.tasks[3].policy == "coaches"
    march = CONFIGS / "experiments" / "validation" / "march1991_learning_rates.toml"
    tasks = [*policies.tasks[:7], *plan_sweep(load_experiment(march)).tasks[:2]]
    tasks.insert(2, tasks.pop(5))  # a point's runs need not be neighbours
    parsed: list[str] = []
    parse = RunTask.parse

    def counting(data: dict[str, Any], model: str) -> Any:
        parsed.append(data["name"])
        return parse(data, model)

    monkeypatch.setattr(RunTask, "parse", staticmethod(counting))
    sent = pickle.loads(pickle.dumps(runner.Batch(tasks))).tasks
    assert len(parsed) == 4  # the policies none, coaches and walls; March
    for mine, theirs in zip(sent, tasks, strict=True):
        assert type(mine.config) is type(theirs.config)
        assert mine.config.model_dump() == theirs.config.model_dump()
        assert {**vars(mine), "config": None} == {**vars(theirs), "config": None}
    assert len({task.seed for task in sent[:7]}) == 3 and sent[6].config.interventions


def test_a_point_s_runs_are_asked_once_whether_they_go_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``runner._together`` asks whether a run keeps only its knowledge once for the runs
    that differ from one asked in nothing but the seed, whatever runs come between (a
    sweep's runs come repetition by repetition); a run that differs in anything else (what
    it records, its point) is asked anew, and each stores what it stores alone."""
    import dataclasses

    from commsim.experiment import runner

    march = CONFIGS / "experiments" / "validation" / "march1991_learning_rates.toml"
    plan = plan_sweep(load_experiment(march))
    first, second, third = plan.tasks[:3]  # point 0's first repetitions
    other = plan.tasks[plan.experiment.spec.repetitions]  # point 1's first
    wider = dataclasses.replace(second, metrics=(*second.metrics, "mean_safety"))
    assert runner._kin(second) == runner._kin(first) == runner._kin(third)
    assert runner._kin(wider) != runner._kin(first) != runner._kin(other)
    asked: list[str] = []
    knowledge_only = runner._knowledge_only

    def asking(task: RunTask) -> bool:
        asked.append(task.run_id if task is not wider else "wider")
        return knowledge_only(task)

    monkeypatch.setattr(runner, "_knowledge_only", asking)
    batch = [first, other, second, wider, third]
    together = runner.execute_together(batch)
    assert asked == [first.run_id, other.run_id, "wider"]
    assert "mean_safety" in together[3].metrics.column_names
    for mine, task in zip(together, batch, strict=True):
        own = execute(task)
        assert mine.ok and own.ok and mine.metrics.schema == own.metrics.schema
        assert content(mine.metrics.to_pandas()) == content(own.metrics.to_pandas())


def test_march_s_runs_without_the_model_store_what_the_model_stores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run of March's block recorded at its end is run without the Mesa model: a batch at
    once where it keeps only its knowledge (``fused.ensemble``), else alone
    (``CommunityModel.last_row``). Each stores the model's table."""
    from commsim.experiment import runner
    from commsim.model import kernels

    march = CONFIGS / "experiments" / "validation" / "march1991_learning_rates.toml"
    tasks = plan_sweep(load_experiment(march)).tasks[::97][:8]
    assert (CommunityModel.last_row(tasks[0].config) is not None) == kernels.HAVE_NUMBA
    assert runner._knowledge_only(tasks[0]) == kernels.HAVE_NUMBA
    together = runner.execute_together(list(tasks))
    batched = runner.execute_batch(pickle.loads(pickle.dumps(runner.Batch(list(tasks))))).unpack()
    monkeypatch.setattr(runner, "_knowledge_only", lambda task: False)
    alone = runner.execute_together(list(tasks))
    monkeypatch.setattr(CommunityModel, "leaps", classmethod(lambda cls, config: False))
    model = [execute(task) for task in tasks]
    for runs in (together, batched, alone):
        for mine, theirs in zip(runs, model, strict=True):
            assert mine.ok and theirs.ok
            assert mine.metrics.schema == theirs.metrics.schema
            assert content(mine.metrics.to_pandas()) == content(theirs.metrics.to_pandas())
