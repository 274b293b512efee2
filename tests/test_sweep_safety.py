"""Sweeps that are interrupted, killed or run twice: one writer per folder (a lock), no orphan
workers, counts and status from the disk, a balanced order, deliberate big sweeps, progress
lines without a terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import commsim
from commsim.cli import app
from commsim.experiment import sweep as sweep_module
from commsim.experiment.lock import LOCK, SweepLock, SweepLockedError, holder
from commsim.experiment.plan import plan_sweep
from commsim.experiment.runner import PoolBackend
from commsim.experiment.spec import load_experiment
from commsim.experiment.sweep import SweepInterrupted

from .test_sweep_run import (
    FAST,
    SLOW,
    _start,
    _wait_for_runs,
    done_runs,
    forget_runs,
    planned_ids,
)

cli = CliRunner()


@pytest.fixture
def fast(tmp_path: Path) -> Path:
    path = tmp_path / "fast.toml"
    path.write_text(FAST)
    return path


def run_cli(*args: object, env: dict[str, str] | None = None) -> object:
    return cli.invoke(app, [str(a) for a in args], env=env)


def group(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def test_a_second_writer_is_refused_and_a_killed_ones_lock_is_taken_over(tmp_path: Path) -> None:
    experiment, out = tmp_path / "slow.toml", tmp_path / "out"
    experiment.write_text(SLOW)
    process = _start(experiment, out, "--workers", "2")
    try:
        _wait_for_runs(out, 1, process)
        second = run_cli("sweep", experiment, "--out", out, "--resume", "--workers", "1")
        assert second.exit_code == 2, second.output
        line = second.stderr.strip()
        assert line.startswith(f"error: {out} is being written by commsim sweep {experiment}")
        assert f"(pid {process.pid} on " in line and "\n" not in line
        assert holder(out)["pid"] == process.pid
        running = run_cli("results", out)
        assert f"status running (pid {process.pid})" in running.stdout
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # the manifest still says running, with the counts of the sweep's start; the disk knows
    on_disk = len(done_runs(out))
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert (out / LOCK).exists() and holder(out) is None  # left behind, and stale
    header = run_cli("results", out).stdout.splitlines()[0]
    pending = len(planned_ids(experiment)) - on_disk
    assert header == (
        f"fast: {on_disk} of 12 runs (0 failed, {pending} not run), status interrupted"
    )
    runs = commsim.load_results(out, table="runs")
    assert (runs.status == "done").sum() == on_disk

    done = run_cli("sweep", experiment, "--out", out, "--resume", "--workers", "2")
    assert done.exit_code == 0, done.output
    assert f"({on_disk} were done before)" in done.stdout
    assert f"note: took over the lock of commsim sweep {experiment} (pid {process.pid} on " in (
        done.stderr
    )
    assert not (out / LOCK).exists()
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [s["status"] for s in sessions] == ["interrupted", "complete"]


def test_the_lock_is_held_for_the_whole_write_and_released_on_every_exit(
    fast: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    seen = []

    def progress(state: object) -> None:
        seen.append(holder(out))
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted):
        commsim.sweep(fast, out, workers=1, progress=progress)
    assert all(h is not None and h["pid"] == os.getpid() for h in seen)
    assert seen[0]["command"] == f"commsim.sweep from {Path(sys.argv[0]).name}"
    assert not (out / LOCK).exists()
    refused = pytest.raises(SweepLockedError, match=r"being written by a test \(pid ")
    with SweepLock(out, "a test"), refused:  # held here: the API refuses, naming the holder
        commsim.sweep(fast, out, workers=1, resume=True)
    report = commsim.sweep(fast, out, workers=1, resume=True)
    assert report.done == 8 and not (out / LOCK).exists()


class DropsCtrlC:
    """Ctrl-C arriving while Python finalises an object: the KeyboardInterrupt raised in
    ``__del__`` is printed ("Exception ignored in ...") and dropped, as in a weakref callback."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """Python's own Ctrl-C handler, whatever this suite was started with (a suite started in
    the background of a script ignores SIGINT; a sweep leaves a caller's choice alone)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("ctrl_c")
def test_a_ctrl_c_python_drops_still_stops_the_sweep(
    fast: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, calls, dropped = tmp_path / "out", [], []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_type))

    def progress(state: object) -> None:
        calls.append(state)
        if len(calls) == 3:
            DropsCtrlC()

    with pytest.raises(SweepInterrupted) as stop:
        commsim.sweep(fast, out, workers=1, progress=progress)
    assert dropped == [KeyboardInterrupt]  # Python did drop it
    assert stop.value.report.status == "interrupted"
    assert stop.value.report.done == 2  # the run stored as it was pressed, and no other
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def half_a_result() -> None:
    """In a pool worker: begin sending a 1,000-byte result, send 10 bytes and stop, as a
    worker terminated mid-send does."""
    import gc
    from multiprocessing.queues import SimpleQueue

    results = next(o for o in gc.get_objects() if isinstance(o, SimpleQueue))
    results._writer._send(struct.pack("!i", 1000) + b"x" * 10)
    time.sleep(60)


def test_a_worker_stopped_mid_result_does_not_hang_the_sweep_at_exit() -> None:
    """Python joins the pool's manager thread at exit: it must not wait for the rest of a
    result forever (a Ctrl-C'd sweep hung so, after saying it was interrupted)."""
    backend = PoolBackend(1)
    manager = backend._pool._executor_manager_thread
    future = backend._pool.submit(half_a_result)
    deadline = time.monotonic() + 10
    while not future.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # the manager has read the length and waits for the rest
    backend.close()
    manager.join(timeout=10)
    assert not manager.is_alive()


SCRIPTED = """\
import sys, commsim
commsim.sweep(sys.argv[1], sys.argv[2], workers=2)
"""


@pytest.mark.parametrize("how", ["command", "notebook"])
def test_kill_9_of_the_sweep_leaves_no_worker_behind(tmp_path: Path, how: str) -> None:
    """``commsim sweep`` forks its workers; a session without a script (``python -c``, like
    a notebook) starts them from a fork server."""
    experiment, out = tmp_path / "slow.toml", tmp_path / "out"
    experiment.write_text(SLOW)
    if how == "command":
        process = _start(experiment, out, "--workers", "2")
    else:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPTED, experiment, out],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    try:
        _wait_for_runs(out, 1, process)
        assert len(group(process.pid)) >= 3  # the sweep and its two workers
        os.kill(process.pid, signal.SIGKILL)  # the sweep alone, not its group
        process.wait()
        deadline = time.monotonic() + 20
        while group(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert group(process.pid) == []
    finally:
        if group(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def test_an_interrupted_sweep_covers_every_point_before_any_twice(tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text(FAST.replace("repetitions = 2", "repetitions = 3"))
    out = tmp_path / "out"
    finished = []

    def progress(state: object) -> None:
        finished.append(state.finished)  # type: ignore[attr-defined]
        if state.finished == 6:  # type: ignore[attr-defined]
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted):
        commsim.sweep(path, out, workers=1, progress=progress)
    runs = commsim.load_results(out, table="runs")
    per_point = Counter(runs[runs.status == "done"].point)
    assert sorted(per_point.values()) == [1, 1, 2, 2] and set(per_point) == {0, 1, 2, 3}
    done = runs[runs.status == "done"]
    assert set(done.repetition) == {0, 1} and (done.repetition == 0).sum() == 4
    # the order of execution only: the run table keeps the plan's order, ids and seeds
    plan = plan_sweep(load_experiment(path)).table()
    pd.testing.assert_frame_equal(runs.drop(columns="status"), plan)


def test_a_resume_dry_run_lists_only_the_pending_runs(fast: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    commsim.sweep(fast, out, workers=1)
    gone = forget_runs(out, 3)
    before = sorted(p.name for p in out.rglob("*"))
    result = run_cli(
        "sweep", fast, "--out", out, "--resume", "--dry-run", "--plan-file", tmp_path / "p.csv"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"fast: 8 runs (4 points x 2 repetitions, factorial design), 30 steps each; 3 to run "
        f"in {out} (5 done, 0 failed to retry); nothing run (--dry-run)\n"
    )
    table = pd.read_csv(tmp_path / "p.csv")
    assert sorted(table.run_id) == gone
    assert sorted(commsim.sweep_plan(fast, out).run_id) == sorted(table.run_id)
    assert sorted(p.name for p in out.rglob("*")) == before


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_plan_file_holds_the_whole_table(fast: Path, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"plan{suffix}"
    result = run_cli("sweep", fast, "--dry-run", "--plan-file", target)
    assert result.exit_code == 0, result.output
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    expected = commsim.sweep_plan(fast)
    pd.testing.assert_frame_equal(read(target), expected, check_dtype=False)
    assert f"wrote {target} (8 rows)" in result.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


HUGE = FAST.replace(
    "punitiveness = [0.1, 0.7]",
    "punitiveness = { start = 0.0, stop = 1.0, step = 0.0001 }\n"
    "authority_gradient = { start = 0.0, stop = 1.0, step = 0.01 }",
).replace("repetitions = 2", "repetitions = 3")


def test_a_dry_run_of_millions_of_runs_prints_a_summary_and_the_first_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(HUGE)
    result = run_cli("sweep", path, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "fast: 6,060,606 runs (2,020,202 points x 3 repetitions, factorial design)"
    )
    assert len(lines) == 1 + 1 + 20 + 1  # summary, header, 20 rows, how many more
    assert lines[-1] == "... 6,060,586 more rows (--plan-file FILE writes them all)"
    refused = run_cli("sweep", path, "--out", tmp_path / "out")
    assert refused.exit_code == 2 and "pass --yes" in refused.stderr
    with pytest.raises(ValueError, match=r"6,060,606 runs .* pass --yes"):
        commsim.sweep(path, tmp_path / "out")  # refused before planning them
    assert not (tmp_path / "out").exists()


def test_a_sweep_estimated_over_a_day_needs_yes(
    fast: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep_module, "CONFIRM_SECONDS", 1e-9)  # any sweep is "a day"
    result = run_cli("sweep", fast, "--out", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 2
    assert re.fullmatch(
        r"error: fast: 8 runs \(4 points x 2 repetitions\), 8 to run on 1 worker\(s\): about "
        r"\S+ and [\d.]+ kB \(timed on \d run\(s\)\), more than a day; pass --yes to run it\n",
        result.stderr,
    ), result.stderr
    assert not (tmp_path / "out").exists()
    agreed = run_cli("sweep", fast, "--out", tmp_path / "out", "--workers", "1", "--yes")
    assert agreed.exit_code == 0, agreed.output
    assert agreed.stdout.startswith("fast: 8 runs (4 points x 2 repetitions), 8 to run on 1")


def test_without_a_terminal_progress_is_a_line_now_and_then(fast: Path, tmp_path: Path) -> None:
    env = {"COMMSIM_PROGRESS_SECONDS": "0.001"}
    result = run_cli("sweep", fast, "--out", tmp_path / "out", "--workers", "1", env=env)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    pattern = r"sweep fast: \d/8 runs, 0 failed(, [\d.]+ runs/s(, ETA \S+)?)?"
    assert len(lines) >= 2 and all(re.fullmatch(pattern, line) for line in lines), lines
    assert re.fullmatch(r"sweep fast: 8/8 runs, 0 failed, [\d.]+ runs/s", lines[-1])
    bad = run_cli("sweep", fast, "--out", tmp_path / "o2", env={"COMMSIM_PROGRESS_SECONDS": "x"})
    assert bad.exit_code == 2 and not (tmp_path / "o2").exists()
    assert (
        bad.stderr == "error: COMMSIM_PROGRESS_SECONDS='x': expected a number of seconds above 0\n"
    )


def test_a_stale_lock_file_is_taken_over_and_removed(fast: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    commsim.sweep(fast, out, workers=1)
    dead = {"pid": 999999, "host": "gone", "since": "then", "command": "commsim sweep x"}
    (out / LOCK).write_text(json.dumps(dead))
    assert holder(out) is None
    lock = SweepLock(out)
    lock.acquire()
    assert lock.stale == dead and json.loads((out / LOCK).read_text())["pid"] == os.getpid()
    lock.release()
    assert not (out / LOCK).exists()
