"""Sweeps on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
loopback, started the way the README tells users to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import commsim

from .test_sweep_run import FAST, SLOW, data_files, done_runs, planned_ids

DASK = Path(sys.executable).with_name("dask")
COMMSIM = Path(sys.executable).with_name("commsim")


class Cluster:
    """A scheduler and named workers as separate processes; torn down with their groups."""

    def __init__(self, folder: Path, workers: int, nanny: bool) -> None:
        self.file = folder / "scheduler.json"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._spawn("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0")
        self._wait(lambda: self.file.is_file() and self.file.stat().st_size > 0)
        flags = [] if nanny else ["--no-nanny"]
        for i in range(workers):
            self._spawn(f"worker{i}", "worker", "--nthreads", "1", "--name", f"w{i}", *flags)
        self.address = self._address()
        self._wait(lambda: self.worker_count() == workers)

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.file.with_name(f"{name}.log"), "wb")  # noqa: SIM115 -- lives with the process
        self.processes[name] = subprocess.Popen(
            [DASK, *args, "--scheduler-file", self.file, "--no-dashboard"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _address(self) -> str:
        import json

        return json.loads(self.file.read_text())["address"]

    def worker_count(self) -> int:
        from distributed import Client

        with Client(self.address, timeout="10s") as client:
            return len(client.scheduler_info()["workers"])

    def _wait(self, ready: object, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not ready():  # type: ignore[operator]
            for name, process in self.processes.items():
                assert process.poll() is None, f"dask {name} exited: {self.file.parent}"
            assert time.monotonic() < deadline, "the Dask cluster did not come up"
            time.sleep(0.2)

    def kill(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(tmp_path_factory.mktemp("dask"), workers=2, nanny=True)
    yield running
    running.close()


def experiment(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    return path


def test_dask_stores_the_same_runs_as_serial(cluster: Cluster, tmp_path: Path) -> None:
    fast = experiment(tmp_path, FAST)
    commsim.sweep(fast, tmp_path / "serial", workers=1)
    report = commsim.sweep(fast, tmp_path / "dask", scheduler=cluster.address)
    assert report.backend == {"kind": "dask", "scheduler": cluster.address, "workers": 2}
    assert (report.done, report.failed) == (8, 0)
    serial = data_files(tmp_path / "serial")
    assert len(serial) == 16 and serial == data_files(tmp_path / "dask")


def test_cli_finds_the_scheduler_in_the_environment(cluster: Cluster, tmp_path: Path) -> None:
    fast = experiment(tmp_path, FAST)
    env = {**os.environ, "DASK_SCHEDULER_ADDRESS": cluster.address}
    done = subprocess.run(
        [COMMSIM, "sweep", fast, "--out", tmp_path / "out"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"8 of 8 runs done (0 were done before), 0 failed (dask, {cluster.address})" in (
        done.stdout
    )


def test_a_lost_worker_s_runs_are_retried(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path, workers=2, nanny=False)  # a killed worker stays dead
    try:
        slow = experiment(tmp_path, SLOW)
        out = tmp_path / "out"
        sweep = subprocess.Popen(
            [COMMSIM, "sweep", slow, "--out", out, "--scheduler", cluster.address],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while not done_runs(out):
            assert sweep.poll() is None and time.monotonic() < deadline, sweep.communicate()
            time.sleep(0.05)
        cluster.kill("worker1")  # mid-run: it holds a run in flight
        stdout, stderr = sweep.communicate(timeout=300)
        assert sweep.returncode == 0, stderr
        assert cluster.worker_count() == 1
        frame = commsim.load_results(out)
        assert set(frame.run_id) == planned_ids(slow)
        assert not frame.duplicated(["run_id", "step"]).any()
        assert b"0 failed" in stdout
    finally:
        cluster.close()


def test_an_organisation_of_one_s_own_travels_to_the_workers(
    cluster: Cluster, tmp_path: Path
) -> None:
    """The workers never see the chart's files (no shared file system is assumed): the runs
    carry the organisation, and Dask stores what the local pool stores."""
    from commsim.config import load_config
    from commsim.model import CommunityModel

    from .test_own_organisation_files import EXPERIMENT, own_scenario

    own_scenario(tmp_path, CommunityModel(load_config(None, n_agents=60, seed=1)))
    path = experiment(tmp_path, EXPERIMENT)
    commsim.sweep(path, tmp_path / "serial", workers=1)
    report = commsim.sweep(path, tmp_path / "dask", scheduler=cluster.address)
    assert (report.done, report.failed) == (6, 0)
    serial = data_files(tmp_path / "serial")
    assert len(serial) == 12 and serial == data_files(tmp_path / "dask")
