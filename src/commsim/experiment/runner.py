"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

Workers only compute: ``execute`` runs one task and returns its tables (or its error) to the
client, which alone writes to disk. So the bytes stored do not depend on where a run ran, a
cluster needs no shared file system, and a worker that dies takes nothing half-written with
it. Workers are long-lived processes that import the model once, not once per run.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from multiprocessing import get_context
from time import perf_counter
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from commsim.config import Config
from commsim.experiment.plan import RunTask
from commsim.model import KNOWLEDGE, CommunityModel, import_model

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


@dataclass(frozen=True)
class RunOutcome:
    """What came back from one run: its tables (Arrow: what is stored), or its error."""

    run_id: str
    metrics: pa.Table | None = None
    insights: pa.Table | None = None
    error: str | None = None
    traceback: str | None = None
    wall_time_s: float = 0.0
    warm: bool = False  # not the first run of its process (which pays imports, numba's cache)
    #: the last of the runs that came back together: the store writes them at once
    batch_end: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None


def _recorded(model: CommunityModel, task: RunTask) -> list[dict[str, Any]]:
    """The rows the model recorded for the experiment (``run(record_every=...)``), event
    counters summing every step since the previous row; recorded at its end alone, a run's
    one row counts step 0's events too (those of interventions at step 0), so totals over the
    kept rows are the run's totals."""
    rows = model.recorded()
    if task.record_every is None and len(rows) > 1:
        first, rows = rows[0], [dict(rows[-1])]
        for name in model.catalogue.events_of(model.config):
            rows[0][name] += first[name]
    return rows


def _columns(rows: list[dict[str, Any]], task: RunTask) -> dict[str, list[Any]]:
    """The columns the experiment asked to keep, led by the run's identity. A metric named
    like a swept parameter (``integration``) is kept as ``<name>_now``. Columns of Python
    values, which ``_tables`` makes Arrow: a pandas frame per run cost more than a small run
    itself."""
    names = ["step", *(task.metrics or [c for c in rows[0] if c != "step"])]
    columns: dict[str, list[Any]] = {k: [v] * len(rows) for k, v in task.identity().items()}
    for name in (c for c in names if c in rows[0]):
        columns[f"{name}_now" if name in task.parameters else name] = [r[name] for r in rows]
    return columns


def _tables(runs: list[dict[str, list[Any]]]) -> list[pa.Table]:
    """Each run's metrics as an Arrow table, made together: Arrow's cost per column (about
    10 us) is paid once for consecutive runs of one shape, which are cut from one table.

    A shape is the column names and the Python types each column holds, all that Arrow's
    type inference reads, so a run's table has the types it would have alone.
    """
    return _cut(_wholes(runs), [len(run["run_id"]) for run in runs])


def _wholes(runs: list[dict[str, list[Any]]]) -> list[pa.Table]:
    """One table for each stretch of consecutive runs of one shape (``_tables``)."""
    return [
        pa.table({k: [v for run in shaped for v in run[k]] for k in shaped[0]})
        for shaped in (list(group) for _, group in itertools.groupby(runs, key=_shape))
    ]


def _cut(wholes: list[pa.Table], rows: list[int]) -> list[pa.Table]:
    """Each run's table, ``rows`` of them in turn from ``_wholes``'s tables."""
    tables: list[pa.Table] = []
    remaining, whole, start = iter(wholes), None, 0
    for count in rows:
        if whole is None or start == whole.num_rows:
            whole, start = next(remaining), 0
        tables.append(whole.slice(start, count))
        start += count
    return tables


def _shape(columns: dict[str, list[Any]]) -> tuple[tuple[str, frozenset[type]], ...]:
    return tuple((name, frozenset(map(type, values))) for name, values in columns.items())


def _with_identity(frame: pd.DataFrame, task: RunTask) -> pa.Table:
    frame = frame.assign(run_id=task.run_id)[["run_id", *frame.columns]]
    return pa.Table.from_pandas(frame, preserve_index=False)


_RUNS_HERE = itertools.count()


def _run(task: RunTask) -> tuple[RunOutcome, dict[str, list[Any]] | None]:
    """One task run to the end: its outcome but the metrics table, and the metrics' columns
    (None for a failed run: an exception becomes a failed outcome, not a lost sweep)."""
    warm = next(_RUNS_HERE) > 0
    t0 = perf_counter()
    try:
        cls = import_model(task.model, "a sweep's model")
        lean = task.record_every is None and not task.insights
        last = cls.last_row(task.config) if lean else None  # March's runs, without Mesa
        if last is not None:
            rows, insights = [last], None
        else:
            model = cls(task.config)
            model.run(record_every=task.record_every)  # rows only where the sweep keeps them
            rows = _recorded(model, task)
            insights = _with_identity(model.insight_frame(), task) if task.insights else None
        metrics = _columns(rows, task)
    except Exception as exc:  # any error in a run is the run's, and is recorded with it
        failed = RunOutcome(
            run_id=task.run_id,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            wall_time_s=perf_counter() - t0,
            warm=warm,
        )
        return failed, None
    done = RunOutcome(task.run_id, None, insights, wall_time_s=perf_counter() - t0, warm=warm)
    return done, metrics


def _knowledge_only(task: RunTask) -> bool:
    """Whether a task keeps only its end's knowledge (``metrics.KNOWLEDGE``) of a run that
    is March's block alone: ``fused.ensemble`` runs a batch of those in one call."""
    if task.record_every is not None or task.insights or task.metrics is None:
        return False
    if not set(task.metrics) <= set(KNOWLEDGE):
        return False
    try:
        return import_model(task.model, "a sweep's model").leaps(task.config)
    except Exception:  # (the run fails on its own, in ``_run``)
        return False


def _kin(task: RunTask) -> tuple[Any, ...]:
    """What tasks that run alike but for the seed share (a point's runs): their model, what
    they record, and the identity of each other value of the config. A plan's runs of a
    point share those values; runs whose values are merely equal are told apart, and are
    only asked or parsed again."""
    values = tuple(id(value) for name, value in vars(task.config).items() if name != "seed")
    recorded = (task.metrics, task.record_every, task.insights)
    return type(task.config), task.model, recorded, values


def _together(tasks: list[RunTask]) -> list[tuple[RunOutcome, dict[str, list[Any]] | None]]:
    """Each task's outcome and columns (``_run``'s); the runs that keep only their end's
    knowledge of one model and shape go through ``fused.ensemble`` at once (and one by one,
    so that an error is its run's, should that fail)."""
    results: list[tuple[RunOutcome, dict[str, list[Any]] | None] | None] = [None] * len(tasks)
    groups: dict[tuple[str, int, int], list[int]] = {}
    verdicts: dict[tuple[Any, ...], bool] = {}
    for index, task in enumerate(tasks):
        kin = _kin(task)  # (a point's runs are asked once)
        if kin not in verdicts:
            verdicts[kin] = _knowledge_only(task)
        if verdicts[kin]:
            key = (task.model, task.config.n_agents, task.config.m)
            groups.setdefault(key, []).append(index)
    for indices in groups.values():
        with contextlib.suppress(Exception):  # (then each runs alone, below)
            for index, result in zip(indices, _ensemble([tasks[i] for i in indices]), strict=True):
                results[index] = result
    return [
        _run(task) if result is None else result
        for task, result in zip(tasks, results, strict=True)
    ]


def _ensemble(tasks: list[RunTask]) -> list[tuple[RunOutcome, dict[str, list[Any]]]]:
    """Runs of one model and shape that keep only their end's knowledge, in one call."""
    t0 = perf_counter()
    model = import_model(tasks[0].model, "a sweep's model")
    ends = model.knowledge_at_end([task.config for task in tasks])
    columns = {name: column.tolist() for name, column in ends.items()}
    each = (perf_counter() - t0) / len(tasks)
    done = []
    for row, task in enumerate(tasks):
        warm = next(_RUNS_HERE) > 0
        outcome = RunOutcome(task.run_id, None, None, wall_time_s=each, warm=warm)
        done.append((outcome, _columns([{name: columns[name][row] for name in columns}], task)))
    return done


def execute(task: RunTask) -> RunOutcome:
    """Run one task to the end; an exception becomes a failed outcome, not a lost sweep."""
    return execute_together([task])[0]


class Batch:
    """Tasks sent to a worker together (``execute_batch``). Pickled with each config as data
    once for the tasks that differ from it in nothing but the seed (``_kin``: a point's
    runs), the others by their seed: the worker parses each config once (a parsing was
    115 µs, a third of a small run) and copies it for the other seeds, as planning does."""

    def __init__(self, tasks: list[RunTask]) -> None:
        self.tasks = tasks

    def __getstate__(self) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
        configs: list[dict[str, Any]] = []
        sent, kin = [], {}
        for task in self.tasks:
            index = kin.setdefault(_kin(task), len(configs))
            if index == len(configs):
                configs.append(task.config.model_dump())
            sent.append((index, {**vars(task), "config": task.config.seed}))
        return configs, sent

    def __setstate__(self, state: tuple[list[dict[str, Any]], list[tuple[int, Any]]]) -> None:
        configs, sent = state
        parsed: dict[int, Config] = {}
        self.tasks = []
        for index, fields in sent:
            if index not in parsed:
                parsed[index] = RunTask.parse(configs[index], fields["model"])
            seed, config = fields["config"], parsed[index]
            seeded = config if config.seed == seed else config.model_copy(update={"seed": seed})
            self.tasks.append(RunTask(**{**fields, "config": seeded}))


@dataclass
class Packed:
    """A batch's outcomes as a worker sends them back (``execute_batch``): the metrics of
    consecutive runs of one shape as one table, cut into each run's where they arrive
    (``unpack``; a table a run pickled at 230 µs, most of a small run)."""

    outcomes: list[RunOutcome]  # their metrics in ``tables``
    tables: list[pa.Table]  # ``_wholes``'s
    rows: list[int]  # each outcome's rows there; 0 for a failed run

    def unpack(self) -> list[RunOutcome]:
        cut = iter(_cut(self.tables, [count for count in self.rows if count]))
        runs = zip(self.outcomes, self.rows, strict=True)
        return _batch([(outcome, next(cut) if rows else None) for outcome, rows in runs])


def execute_batch(batch: Batch) -> Packed:
    """Several runs in one task: a pool's or a cluster's cost per task (pickling, futures,
    the scheduler) is paid once for them, which counts when a run takes a millisecond;
    each config is parsed once (``Batch``) and the tables go back whole (``Packed``)."""
    runs = _together(batch.tasks)
    kept = [columns for _, columns in runs if columns is not None]
    rows = [0 if columns is None else len(columns["run_id"]) for _, columns in runs]
    return Packed([outcome for outcome, _ in runs], _wholes(kept), rows)


def execute_together(tasks: list[RunTask]) -> list[RunOutcome]:
    """Several runs in this process, their tables made together (``_tables``): what a run
    stores is the same whichever runs it is with."""
    runs = _together(tasks)
    tables = iter(_tables([columns for _, columns in runs if columns is not None]))
    return _batch([(outcome, None if c is None else next(tables)) for outcome, c in runs])


def _batch(runs: list[tuple[RunOutcome, pa.Table | None]]) -> list[RunOutcome]:
    """The outcomes with their tables, all but the last marked as not ending the batch."""
    last = len(runs) - 1
    return [
        replace(outcome, metrics=outcome.metrics if table is None else table, batch_end=i == last)
        for i, (outcome, table) in enumerate(runs)
    ]


# A batch is sized to take about this long, so that runs of a millisecond go in dozens and a
# stopped sweep loses little; runs of a second or more go one at a time.
BATCH_SECONDS = 0.2
BATCH_MAX = 256


class Pace:
    """How many runs to send in one task, from how long the runs so far took."""

    def __init__(self) -> None:
        self.total, self.count = 0.0, 0

    def saw(self, outcome: RunOutcome) -> None:
        if outcome.warm:  # a process's first run pays its start-up
            self.total += outcome.wall_time_s
            self.count += 1

    def size(self) -> int:
        if not self.count:
            return 1
        mean = self.total / self.count
        return max(1, min(BATCH_MAX, int(BATCH_SECONDS / max(mean, 1e-6))))


def batches(tasks: Iterable[RunTask], pace: Pace) -> Iterator[list[RunTask]]:
    """The tasks in batches of the size ``pace`` says when each is taken."""
    queue = iter(tasks)
    while batch := list(itertools.islice(queue, pace.size())):
        yield batch


class Backend(Protocol):
    """Runs tasks and yields their outcomes as they finish."""

    description: dict[str, Any]

    def outcomes(self, tasks: Iterable[RunTask]) -> Iterator[RunOutcome]: ...
    def close(self) -> None: ...


class SerialBackend:
    """Runs in this process, in order: the reference for what every backend must produce."""

    def __init__(self) -> None:
        self.description = {"kind": "serial", "workers": 1}

    def outcomes(self, tasks: Iterable[RunTask]) -> Iterator[RunOutcome]:
        """Runs in batches of a fraction of a second (``Pace``), their tables made together;
        a stopped sweep loses the rest of a batch, as a pool loses the runs in flight."""
        pace = Pace()
        for batch in batches(tasks, pace):
            for outcome in execute_together(batch):
                pace.saw(outcome)
                yield outcome

    def close(self) -> None:
        pass


# How often a pool worker checks that the sweep that started it is still alive
WATCH_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_init(sweep_pid: int) -> None:
    """Pool workers leave Ctrl-C to the parent, which stops the sweep cleanly, and die with
    it when it is killed outright (``kill -9``), rather than live on as orphans.

    On Linux the kernel kills a worker whose parent dies (``PR_SET_PDEATHSIG``); that parent
    is the sweep under fork but the fork server under forkserver, so a watchdog thread also
    polls the sweep's pid (and the worker's parent), everywhere.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = os.getppid()  # not tested against 1: a sweep in a container may be pid 1 itself
    if not _alive(sweep_pid):  # it died before we could watch it
        os._exit(1)
    threading.Thread(target=_watch, args=(sweep_pid, parent), daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or its pid taken by someone else's
        return False
    return True


def _watch(sweep_pid: int, parent: int) -> None:
    while os.getppid() == parent and _alive(sweep_pid):
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _ready() -> None:
    """A no-op task: submitting one per worker starts the whole pool."""


def _start_method() -> str:
    """``fork`` for a script, ``forkserver`` for an interactive session.

    Under forkserver (or spawn) each worker re-imports the script that started it, so a script
    that calls ``commsim.sweep`` without an ``if __name__ == "__main__":`` guard would start
    sweeps inside its workers. Forking copies the script instead, and is safe here because the
    pool is started before the caller has any other thread (a progress bar starts later). A
    notebook or REPL has no script to re-import but does run threads: forkserver suits it.
    """
    main = sys.modules.get("__main__")
    return "fork" if getattr(main, "__file__", None) else "forkserver"


class PoolBackend:
    """A local pool of worker processes: started once, up front; the model imported once."""

    def __init__(self, workers: int) -> None:
        self.description = {"kind": "pool", "workers": workers}
        context = get_context(_start_method())
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["commsim.experiment.runner"])
        self._pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )
        self._closed = False
        with warnings.catch_warnings():
            # Python counts OpenBLAS's threads too; they re-initialise in the child (atfork)
            warnings.filterwarnings(
                "ignore", "This process .* is multi-threaded", DeprecationWarning
            )
            wait([self._pool.submit(_ready) for _ in range(workers)])
        self._window = 2 * workers

    def outcomes(self, tasks: Iterable[RunTask]) -> Iterator[RunOutcome]:
        pending: dict[Future[list[RunOutcome]], list[RunTask]] = {}
        pace = Pace()
        queue = batches(tasks, pace)
        while True:
            for batch in queue:
                pending[self._pool.submit(execute_batch, Batch(batch))] = batch
                if len(pending) >= self._window:
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                for outcome in _results(future, pending.pop(future)):
                    pace.saw(outcome)
                    yield outcome

    def close(self) -> None:
        """Stop at once: queued runs are dropped and runs in flight are abandoned.

        A worker stopped while sending a result leaves the pool's manager thread waiting for
        the rest of it, and Python joins that thread at exit: the sweep would hang there. Once
        the workers are gone, closing our end of the result pipe ends that wait (end of file),
        and the pool winds down as it does when a worker dies.
        """
        if self._closed:
            return
        self._closed = True
        processes = list(getattr(self._pool, "_processes", {}).values())
        results = getattr(self._pool, "_result_queue", None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        if results is not None and not any(p.is_alive() for p in processes):
            results._writer.close()


def _results(future: Any, batch: list[RunTask]) -> list[RunOutcome]:
    """A batch's outcomes; runs its workers could not execute (they died, or could not
    import commsim) are each that run's failure."""
    try:
        outcomes = future.result().unpack()
    except Exception as exc:
        error = f"could not run: {type(exc).__name__}: {exc}"
        return [RunOutcome(task.run_id, error=error) for task in batch]
    return outcomes


class DaskBackend:
    """A ``dask.distributed`` cluster. Tasks of a lost worker are rescheduled by Dask."""

    def __init__(self, address: str) -> None:
        from distributed import Client  # heavy; only cluster sweeps need it

        _check_reachable(address)
        try:
            self._client = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        workers = len(self._client.scheduler_info().get("workers", {}))
        self.description = {"kind": "dask", "scheduler": address, "workers": workers}
        self._window = max(64, 4 * workers)

    def outcomes(self, tasks: Iterable[RunTask]) -> Iterator[RunOutcome]:
        from distributed import as_completed

        pace = Pace()
        queue = batches(tasks, pace)
        owners: dict[str, list[RunTask]] = {}
        stream = as_completed(loop=self._client.loop)
        for batch in queue:
            self._submit(stream, owners, batch)
            if len(owners) >= self._window:
                break
        for future in stream:
            for outcome in _results(future, owners.pop(future.key)):
                pace.saw(outcome)
                yield outcome
            future.release()
            batch = next(queue, None)
            if batch is not None:
                self._submit(stream, owners, batch)

    def _submit(self, stream: Any, owners: dict[str, list[RunTask]], batch: list[RunTask]) -> None:
        key = f"commsim-{batch[0].run_id}-{len(batch)}-{os.urandom(4).hex()}"
        future = self._client.submit(execute_batch, Batch(batch), key=key, pure=False)
        owners[future.key] = batch
        stream.add(future)

    def close(self) -> None:
        self._client.close()


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, on a malformed or unreachable TCP scheduler address."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        protocol, location = parse_address(address)
        if protocol not in ("tcp", "tls"):
            return  # other transports: let Dask's client try them
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise ValueError(
            f"--scheduler {address!r}: {exc} (expected e.g. tcp://host:8786)"
        ) from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def make_backend(workers: int | None, scheduler: str | None) -> Backend:
    """Dask when a scheduler is given (or in the environment), else a pool, else serial."""
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        return DaskBackend(address)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise ValueError(f"--workers must be at least 1 (got {count})")
    return SerialBackend() if count == 1 else PoolBackend(count)
