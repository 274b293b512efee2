"""Never lose a user's data: what commsim's writers may replace, and what they never touch."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from commsim import api, outputs, plotting, storage
from commsim.cli import app
from commsim.experiment.store import LOCK

from .conftest import CONFIGS, ROOT
from .conftest import TINY_EXPERIMENT as TINY
from .corpus import snapshot, tree_diff

SMALL = {"name": "small", "n_agents": 30, "steps": 5, "seed": 5}
runner = CliRunner()


def invoke(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def result() -> api.RunResult:
    return api.run(SMALL)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-run sweep, plotted (figures/ is commsim's own)."""
    base = tmp_path_factory.mktemp("sweep")
    (base / "tiny.toml").write_text(TINY)
    api.sweep(base / "tiny.toml", base / "sweep", workers=1)
    api.plot_sweep(base / "sweep", metrics=["code_knowledge"])
    return base / "sweep"


def copied(source: Path, to: Path) -> Path:
    shutil.copytree(source, to, symlinks=True)
    return to


# --- the reported bugs: a run never deletes what is not its own ------------------------------


def test_a_run_never_replaces_a_finished_sweep(sweep_dir: Path, tmp_path: Path) -> None:
    out = copied(sweep_dir, tmp_path / "sweep")
    before = snapshot(out)
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match="a sweep directory is never a run's output"):
            storage.write_run(api.run(SMALL, steps=1), out, overwrite=overwrite)
    assert tree_diff(before, snapshot(out)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]


def test_a_stray_manifest_json_does_not_make_a_folder_commsims(
    result: api.RunResult, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "manifest.json").write_text('{"name": "my app", "icons": []}')
    (web / "index.html").write_text("<html></html>")
    before = snapshot(web)
    with pytest.raises(FileExistsError, match=r"manifest\.json that is not a commsim run's"):
        result.save(web, overwrite=True)
    assert tree_diff(before, snapshot(web)) == []


def test_notes_in_an_earlier_run_folder_are_never_deleted(
    result: api.RunResult, tmp_path: Path
) -> None:
    out = result.save(tmp_path / "out")
    (out / "my_notes.md").write_text("what I saw")
    with pytest.raises(FileExistsError, match=r"\(my_notes.md\); refusing to replace it"):
        result.save(out, overwrite=True)
    assert (out / "my_notes.md").read_text() == "what I saw"
    assert {p.name for p in out.iterdir()} == storage.RUN_FILES | {"my_notes.md"}


def test_an_earlier_run_is_replaced_only_when_asked(result: api.RunResult, tmp_path: Path) -> None:
    out = api.run(SMALL, seed=1).save(tmp_path / "out")
    with pytest.raises(FileExistsError, match=r"earlier commsim run; pass --overwrite"):
        result.save(out)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    result.save(out, overwrite=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["kind"], manifest["format"], manifest["seed"]) == ("commsim-run", 2, 5)
    assert set(manifest["files"]) == storage.RUN_FILES - {"manifest.json"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporaries left


def test_a_listed_file_edited_since_is_not_replaced(result: api.RunResult, tmp_path: Path) -> None:
    out = result.save(tmp_path / "out")
    (out / "summary.png").write_bytes(b"my annotated version")
    with pytest.raises(FileExistsError, match=r"summary.png \(changed since commsim wrote it\)"):
        result.save(out, overwrite=True)
    assert (out / "summary.png").read_bytes() == b"my annotated version"


def test_a_run_of_format_1_is_read_and_replaced(result: api.RunResult, tmp_path: Path) -> None:
    """Runs written before the manifest had a kind are still commsim's own."""
    out = api.run(SMALL, seed=1).save(tmp_path / "old")
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["kind"]
    manifest["format"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    pd.testing.assert_frame_equal(api.load_results(out), api.run(SMALL, seed=1).model)
    result.save(out, overwrite=True)
    assert json.loads((out / "manifest.json").read_text())["format"] == 2


def test_an_empty_path_is_refused(result: api.RunResult, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty path"):
        result.save("")
    with pytest.raises(ValueError, match="empty path"):
        api.plot_sweep(tmp_path, out="")  # refused before the sweep is looked at
    with pytest.raises(ValueError, match="empty path"):
        api.sweep(CONFIGS / "experiments" / "smoke.toml", "")
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_to_a_folder_is_written_through(result: api.RunResult, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "latest").symlink_to("real")
    result.save(tmp_path / "latest")
    assert (tmp_path / "latest").is_symlink()
    assert {p.name for p in (tmp_path / "real").iterdir()} == storage.RUN_FILES
    result.save(tmp_path / "latest", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "real"]


# --- all or nothing, and only its own files go ---------------------------------------------------


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_a_write_stopped_midway_leaves_the_earlier_run(
    result: api.RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: type
) -> None:
    out = api.run(SMALL, seed=1).save(tmp_path / "out")
    before = snapshot(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise stop("stopped")

    monkeypatch.setattr(plotting, "summary_figure", broken)
    with pytest.raises(stop):
        result.save(out, overwrite=True)
    assert tree_diff(before, snapshot(tmp_path)) == []


def test_a_failed_first_write_leaves_no_empty_folders(
    result: api.RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(plotting, "summary_figure", broken)
    with pytest.raises(RuntimeError):
        result.save(tmp_path / "new" / "deeper" / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_file_arriving_during_the_swap_is_kept(tmp_path: Path) -> None:
    """The earlier folder loses only the files it listed; anything else survives, hidden."""
    out, staging = tmp_path / "out", tmp_path / "new"
    out.mkdir()
    staging.mkdir()
    (out / "model.parquet").write_text("old")
    (out / "arrived.txt").write_text("not commsim's")
    (staging / "model.parquet").write_text("new")
    outputs.swap_in(staging, out, ["model.parquet"])
    assert (out / "model.parquet").read_text() == "new"
    [kept] = [p for p in tmp_path.iterdir() if p.name != "out"]
    assert kept.name.startswith(".out.old-")
    assert [p.name for p in kept.iterdir()] == ["arrived.txt"]


# --- make run, twice -----------------------------------------------------------------------------


def test_make_run_twice_replaces_its_run_and_protects_a_users_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Makefile's own `commsim run` line, run twice, then with a user's file beside it."""
    recipe = re.search(r"^run:.*\n\t\$\(BIN\)/commsim (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe is not None
    (tmp_path / "default.toml").write_text('name = "default"\nn_agents = 30\nsteps = 3\n')
    words = shlex.split(recipe[1].replace("$(CONFIG)", "default.toml"))
    monkeypatch.chdir(tmp_path)
    assert invoke(*words).exit_code == 0
    again = invoke(*words)
    assert again.exit_code == 0, again.stderr
    (tmp_path / "results" / "default" / "notes.md").write_text("mine")
    refused = invoke(*words)
    assert refused.exit_code == 2 and "(notes.md)" in refused.stderr
    assert (tmp_path / "results" / "default" / "notes.md").read_text() == "mine"


# --- sweeps: --overwrite starts afresh, removing only the sweep's own entries --------------------


def test_sweep_overwrite_starts_afresh(sweep_dir: Path, tmp_path: Path) -> None:
    """A stale lock and a killed write's temporary are taken over and cleared with the rest."""
    out = copied(sweep_dir, tmp_path / "sw")
    (out / LOCK).write_text("")
    (out / "metrics" / ".abc.parquet.tmp-1-0123abcd").write_text("a killed write")
    changed = tmp_path / "changed.toml"
    changed.write_text(TINY.replace("[0.2, 0.9]", "[0.5]").replace("seed = 3", "seed = 4"))
    with pytest.raises(ValueError, match="other settings than this experiment"):  # another seed
        api.sweep(changed, out, workers=1, resume=True)
    report = api.sweep(changed, out, workers=1, overwrite=True)
    assert (report.planned, report.done, report.skipped) == (1, 1, 0)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "experiment.toml",
            "failures",
            "insights",
            "manifest.json",
            "metrics",
            "runs.parquet",
        ]
    )
    assert len(list((out / "metrics").iterdir())) == 1
    assert api.load_results(out).initial_safety.unique().tolist() == [0.5]


def test_sweep_overwrite_refuses_a_users_file_anywhere(sweep_dir: Path, tmp_path: Path) -> None:
    for rel in ("notes.md", "metrics/notes.md", "failures/notes.md", "figures/notes.md"):
        out = copied(sweep_dir, tmp_path / rel.replace("/", "_"))
        (out / rel).write_text("mine")
        before = snapshot(out)
        with pytest.raises(FileExistsError, match="even with --overwrite"):
            api.sweep(sweep_dir.parent / "tiny.toml", out, workers=1, overwrite=True)
        assert tree_diff(before, snapshot(out)) == [], rel


def test_sweep_overwrite_with_resume_is_contradictory(sweep_dir: Path, tmp_path: Path) -> None:
    out = copied(sweep_dir, tmp_path / "sw")
    result = invoke(
        "sweep", sweep_dir.parent / "tiny.toml", "--out", out, "--overwrite", "--resume"
    )
    assert result.exit_code == 2 and "contradict each other" in result.stderr


# --- figures: plot replaces only what it drew ----------------------------------------------------


def test_plot_replaces_its_own_figures_and_keeps_the_others(
    sweep_dir: Path, tmp_path: Path
) -> None:
    out = copied(sweep_dir, tmp_path / "sw")
    figures = out / "figures"
    drawn = {p.name: p.read_bytes() for p in figures.iterdir()}
    written = api.plot_sweep(out, metrics=["mean_safety"])
    assert {p.name for p in written} == {"over_time_mean_safety.png", "over_time_mean_safety.svg"}
    assert all(p.parent == figures for p in written)
    now = {p.name: p.read_bytes() for p in figures.iterdir()}
    assert {k: now[k] for k in drawn if k != outputs.FIGURES_MARKER} == {
        k: v for k, v in drawn.items() if k != outputs.FIGURES_MARKER
    }
    listed = json.loads((figures / outputs.FIGURES_MARKER).read_text())["files"]
    assert set(listed) == set(now) - {outputs.FIGURES_MARKER}
    api.plot_sweep(out, metrics=["code_knowledge"])  # its own figures are replaced freely
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_plot_refuses_a_folder_of_someone_elses_figures(sweep_dir: Path, tmp_path: Path) -> None:
    figures = tmp_path / "figs"
    figures.mkdir()
    (figures / "over_time_code_knowledge.png").write_bytes(b"a figure I drew myself")
    with pytest.raises(FileExistsError, match="not figures commsim drew"):
        api.plot_sweep(sweep_dir, out=figures, metrics=["code_knowledge"])
    assert [p.name for p in figures.iterdir()] == ["over_time_code_knowledge.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs"]


def test_a_plot_stopped_midway_leaves_the_sweep_as_it_was(
    sweep_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    out = copied(sweep_dir, tmp_path / "sw")
    before = snapshot(out)
    save, calls = Figure.savefig, []

    def save_then_stop(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 3:  # a figure's PNG and SVG are on disk, the next is half-drawn
            raise KeyboardInterrupt
        save(*args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        api.plot_sweep(out, metrics=["mean_safety", "code_knowledge"])  # a new figure first
    assert tree_diff(before, snapshot(out)) == []


# --- CSV tables ----------------------------------------------------------------------------------


def test_csv_is_written_new_or_with_overwrite(sweep_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    missing = invoke("results", sweep_dir, "--csv", tmp_path / "nope" / "t.csv")
    assert missing.exit_code == 2
    assert missing.stderr == f"error: {tmp_path}/nope/t.csv: cannot write it, the directory " + (
        f"{tmp_path}/nope does not exist\n"
    )
    assert invoke("results", sweep_dir, "--csv", table).exit_code == 0
    first = table.read_text()
    table.write_text("edited")
    refused = invoke("results", sweep_dir, "--csv", table)
    assert refused.exit_code == 2 and "exists; pass --overwrite" in refused.stderr
    assert table.read_text() == "edited"
    assert invoke("results", sweep_dir, "--csv", table, "--overwrite").exit_code == 0
    assert table.read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
