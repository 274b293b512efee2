"""The ``commsim`` command: run or check a scenario file. A thin shell over ``commsim.api``.

Every mistake a user can make (a bad config, a missing file, a malformed ``--set``, an
output directory that cannot be written) ends in one ``error: ...`` line on stderr and exit
status 2, before anything is written.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from commsim._version import __version__
from commsim.config import Config, ConfigError, load_config, parse_assignment, renamed_message

USER_ERROR = 2
# Runs whose steps x members x dimensions exceed this take a few seconds: show progress.
PROGRESS_WORK = 50_000_000


# click's exceptions, wherever this typer takes click from (newer releases vendor it)
_clicks = sys.modules[typer.BadParameter.__module__]


class _Commands(typer.core.TyperGroup):
    """Click's own usage errors (a missing argument, an unknown option or command, a value of
    the wrong type) in the house style too: one ``error:`` line naming the command, exit 2,
    instead of a usage box. A ``FutureWarning`` (a parameter under its former name) is one
    ``warning:`` line."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            shown = warnings.showwarning

            def show(message: Any, category: type[Warning], *where: Any, **more: Any) -> None:
                if issubclass(category, FutureWarning):
                    warn(str(message))
                else:
                    shown(message, category, *where, **more)

            warnings.showwarning = show
            return self._main(*args, **kwargs)

    def _main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except _clicks.NoArgsIsHelpError as exc:  # bare `commsim`: the help
            exc.show()
            sys.exit(exc.exit_code)
        except _clicks.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "commsim"
            message = " ".join(exc.format_message().split()).rstrip(".")
            typer.echo(f"error: {where}: {message} (see {where} --help)", err=True)
            sys.exit(USER_ERROR)
        except _clicks.ClickException as exc:
            typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Commands,
    name="commsim",
    help="Agent-based simulation of learning communities (Mesa).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

ConfigArg = Annotated[
    Path,
    typer.Argument(
        metavar="CONFIG", help="Scenario file (.toml, .yaml or .yml).", show_default=False
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a parameter (repeatable); VALUE is read as a TOML literal.",
        show_default=False,
    ),
]


WorkersOpt = Annotated[
    str | None,
    typer.Option(
        "--workers",
        metavar="N",
        help="Local worker processes (default: one per core; 1 runs in this process).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on a Dask cluster, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS).",
        show_default=False,
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="PACKAGE.MODULE:CLASS",
        help="The model class to run (default: commsim's CommunityModel), e.g. a subclass "
        "of it in an installed or importable module.",
        show_default=False,
    ),
]
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace an earlier output of commsim's own there (never anything else).",
    ),
]


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: the way every user error ends."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USER_ERROR)


def warn(message: str) -> None:
    """A line on stderr that does not stop the command: the numbers need care (one line per
    line of ``message``, each saying it is a warning)."""
    for line in message.splitlines():
        typer.echo(f"warning: {line}", err=True)


def describe(exc: BaseException) -> str:
    """A one-line message for an exception a user caused (bad path, bad value...)."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def out_option(raw: str | None) -> Path | None:
    """An --out path; an empty one is refused (it would quietly mean the current folder)."""
    if raw is not None and not raw.strip():
        fail(f"--out {raw!r}: an empty path; name a directory (use . for the current one)")
    return None if raw is None else Path(raw)


def _int_option(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw.strip().replace("_", ""))
    except ValueError:
        fail(f"{name} {raw!r}: expected a whole number")


def _workers_option(raw: str | None) -> int | None:
    """``--workers``: a whole number of at least 1, or None (one per core)."""
    n_workers = _int_option("--workers", raw)
    if n_workers is not None and n_workers < 1:
        fail(f"--workers {n_workers}: must be at least 1")
    return n_workers


def resolve_config(
    path: Path, assignments: list[str] | None, model: str | None = None, **explicit: int | None
) -> Config:
    """The config a command would run (of ``model``'s schema), with --set and explicit
    options applied.

    An error in a value an option gave names that option, not the file; a parameter given by
    two options is refused (neither silently wins).
    """
    given = [(*parse_assignment(text), f"--set {text}") for text in assignments or []]
    given += [
        (key, value, f"--{key} {value}") for key, value in explicit.items() if value is not None
    ]
    overrides: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for key, value, label in given:
        if key in labels:
            raise ConfigError(f"{label}: '{key}' is already given by {labels[key]}; give it once")
        overrides[key], labels[key] = value, label
    from commsim import api

    extensions = api.model_class(model).extensions
    return load_config(path, labels=labels, extensions=extensions, **overrides)


def new_progress(console: Console, counted: str = "", transient: bool = False) -> Any:
    """A rich progress display: description, bar, done/total, ``counted``, elapsed, ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("[progress.description]{task.description}"), BarColumn()]
    columns += [MofNCompleteColumn(), *([TextColumn(counted)] if counted else [])]
    columns += [TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    return Progress(*columns, console=console, transient=transient)


@contextmanager
def progress_bar(config: Config) -> Iterator[Callable[[int], None] | None]:
    """A transient bar on a terminal's stderr for long runs; no bar (None) otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal or config.steps * config.n_agents * config.m < PROGRESS_WORK:
        yield None
        return
    with new_progress(console, transient=True) as bar:
        task = bar.add_task(f"{config.name}: step", total=config.steps)
        yield lambda step: bar.update(task, completed=step)


def _fmt(value: float | int) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def summary_table(
    summary: dict[str, float | int], labels: dict[str, tuple[str, str]] | None = None
) -> Table:
    """The few numbers worth reading in a terminal after a run, each with its label and unit
    (``api.summary_labels``: from the model's catalogue)."""
    from commsim import api

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for key, (label, unit) in (labels or api.summary_labels()).items():
        if key in summary:
            table.add_row(label, _fmt(summary[key]), unit)
    return table


def _version(value: bool) -> None:
    if value:
        typer.echo(f"commsim {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Agent-based simulation of learning communities (Mesa)."""


@app.command()
def run(
    config: ConfigArg,
    steps: Annotated[
        str | None,
        typer.Option("--steps", metavar="N", help="Steps to run (default: the config's)."),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option("--seed", metavar="S", help="Random seed (default: the config's)."),
    ] = None,
    set_: SetOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Output directory (default: results/<config file name>/); it must be empty "
            "or new, or hold an earlier run (replaced with --overwrite).",
            show_default=False,
        ),
    ] = None,
    overwrite: OverwriteOpt = False,
    model: ModelOpt = None,
) -> None:
    """Run a scenario and write its tables, manifest and summary figure."""
    from commsim import api

    n_steps, n_seed = _int_option("--steps", steps), _int_option("--seed", seed)
    out_dir = out_option(out) or Path("results") / config.stem
    try:
        cfg = resolve_config(config, set_, model, steps=n_steps, seed=n_seed)
        api.check_run_dir(out_dir, overwrite=overwrite)
    except (ValueError, OSError) as exc:
        fail(describe(exc))

    with progress_bar(cfg) as progress:
        result = api.run(cfg, progress=progress, model=model)
    try:
        written = result.save(out_dir, config_path=config, overwrite=overwrite)
    except (ValueError, OSError) as exc:
        fail(describe(exc))

    manifest = result.manifest
    console = Console(highlight=False, markup=False)  # paths may hold [brackets]
    console.print(
        f"{cfg.name}: {manifest['steps_run']} steps, {cfg.n_agents:,} members, seed {cfg.seed} "
        f"({manifest['wall_time_s']:.2f} s)",
        soft_wrap=True,
    )
    summary = api.summarise(result.model, result.catalogue)
    console.print(summary_table(summary, api.summary_labels(result.catalogue)))
    tables = "/".join(api.TABLES)
    console.print(
        f"wrote {written}/ ({tables}.parquet, manifest.json, {api.FIGURE})", soft_wrap=True
    )


@app.command()
def validate(config: ConfigArg, set_: SetOpt = None, model: ModelOpt = None) -> None:
    """Check a scenario file (and overrides) without running it."""
    try:
        cfg = resolve_config(config, set_, model)
    except (ConfigError, OSError) as exc:
        fail(describe(exc))
    extra = f", interventions={len(cfg.interventions)}" if cfg.interventions else ""
    typer.echo(f"{config}: ok (n_agents={cfg.n_agents}, m={cfg.m}, steps={cfg.steps}{extra})")


@app.command("app")
def app_(
    config: Annotated[
        Path | None,
        typer.Argument(
            metavar="[CONFIG]",
            help="Scenario to start from (default: the built-in defaults).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 lets others in the room join).")
    ] = "127.0.0.1",
    model: ModelOpt = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            metavar="FILE",
            help="A session saved in the app (its Session file): every session starts from "
            "it, its interventions applied as the run passes their steps.",
            show_default=False,
        ),
    ] = None,
    idle_minutes: Annotated[
        float, typer.Option(help="Free a team's run this long after its last page went away.")
    ] = 10.0,
    facilitator_code: Annotated[
        str | None,
        typer.Option(help="Code for the room page /room (default: a random one, printed)."),
    ] = None,
) -> None:
    """Open the workshop app: steer a live organisation in the browser (Ctrl-C stops it)."""
    from commsim.api import serve_app

    if config is not None and replay is not None:
        fail(f"--replay {replay}: a session file starts the app itself; give it or CONFIG")

    def ready(urls: list[str], code: str) -> None:
        first, *others = urls
        also = f" (also {', '.join(others)})" if others else ""
        typer.echo(f"commsim app: open {first} in a browser{also}; Ctrl-C stops it")
        room = f"{first}/room (facilitator code: {code})"
        typer.echo(f"commsim app: the facilitator's room is {room}")

    try:
        serve_app(
            config or replay,
            port,
            host,
            ready,
            model,
            bool(replay),
            idle_minutes,
            facilitator_code,
        )
    except (ConfigError, OSError) as exc:
        fail(describe(exc))  # a file's message names the file


ExperimentArg = Annotated[
    Path,
    typer.Argument(
        metavar="EXPERIMENT", help="Experiment file (.toml, .yaml or .yml).", show_default=False
    ),
]
SweepDirArg = Annotated[
    Path,
    typer.Argument(metavar="DIR", help="A sweep's output directory.", show_default=False),
]


SweepDirsArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="DIR",
        help="A sweep's output directory; several are read together, with a sweep column.",
        show_default=False,
    ),
]


def _one_or_several(directories: list[Path]) -> Path | list[Path]:
    """One folder as itself (today's tables exactly), several as a list the api combines."""
    return directories[0] if len(directories) == 1 else list(directories)


PROGRESS_ENV = "COMMSIM_PROGRESS_SECONDS"
DRY_RUN_ROWS = 20


def _progress_seconds() -> float:
    """How often a sweep with no terminal logs a progress line (default every 30 s)."""
    raw = os.environ.get(PROGRESS_ENV, "30")
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not seconds > 0:
        fail(f"{PROGRESS_ENV}={raw!r}: expected a number of seconds above 0")
    return seconds


class ProgressLog:
    """Progress for batch jobs, CI and nohup: a line on stderr every ``every`` seconds and one
    at the end (runs done, failed, rate, ETA), from a thread started at the first report."""

    def __init__(self, name: str, every: float) -> None:
        self.name, self.every = name, every
        self.state: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = time.monotonic()  # the pool's start and the timed first runs included

    def update(self, state: Any) -> None:
        self.state = state
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.write()

    def write(self) -> None:
        from commsim.api import format_duration

        state = self.state
        line = f"sweep {self.name}: {state.finished}/{state.total} runs, {state.failed} failed"
        elapsed = time.monotonic() - self._start
        rate = state.finished / elapsed if elapsed > 0 else 0.0
        if rate > 0:
            line += f", {rate:.2f} runs/s"
        if rate > 0 and state.finished < state.total:
            line += f", ETA {format_duration((state.total - state.finished) / rate)}"
        typer.echo(line, err=True)

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.write()


@contextmanager
def sweep_progress(name: str) -> Iterator[Callable[[Any], None]]:
    """Runs done, failures and ETA: a bar on a terminal's stderr, else a line now and then.

    Either starts at the first report, after the sweep has started its worker processes.
    """
    console = Console(stderr=True)
    if not console.is_terminal:
        log = ProgressLog(name, _progress_seconds())
        try:
            yield log.update
        finally:
            log.close()
        return
    bar = new_progress(console, counted="runs, {task.fields[failed]} failed")
    task = bar.add_task(name, total=None, failed=0)

    def update(state: Any) -> None:
        bar.start()  # idempotent
        bar.update(task, total=state.total, completed=state.finished, failed=state.failed)

    try:
        yield update
    finally:
        bar.stop()


def _print_rows(table: Any, rows: int, console: Console, plan_file: Path | None) -> None:
    """The first rows of a run table of ``rows`` (all of them in ``plan_file``, when given)."""
    shown = table.drop(columns=["seed"]).head(DRY_RUN_ROWS)
    console.print(shown.to_string(index=False), soft_wrap=True)
    if rows > DRY_RUN_ROWS:
        where = f"all in {plan_file}" if plan_file else "--plan-file FILE writes them all"
        console.print(f"... {rows - DRY_RUN_ROWS:,} more rows ({where})")


def _dry_run(experiment: Any, out_dir: Path | None, plan_file: Path | None) -> None:
    """What a sweep would run, and nothing run: the size, then the first rows.

    With ``out_dir`` (``--resume``), only the runs still to do there.
    """
    from commsim import api

    head = DRY_RUN_ROWS if plan_file is None else None  # a plan file gets every row
    preview = api.preview_sweep(experiment, out_dir, head=head)
    spec, size, table = preview.experiment.spec, preview.size, preview.table
    console = Console(highlight=False, markup=False)
    kind = spec.design.kind
    text = (
        f"{spec.name}: {size.runs:,} runs ({size.shape}, {kind} design), "
        f"{preview.experiment.base.steps} steps each"
    )
    if out_dir is not None:
        text += (
            f"; {preview.rows:,} to run in {out_dir} ({preview.done:,} done, "
            f"{preview.failed:,} failed to retry)"
        )
    if plan_file is not None:
        api.write_plan(table, plan_file)
    console.print(f"{text}; nothing run (--dry-run)", soft_wrap=True)
    _print_rows(table, preview.rows, console, plan_file)
    if plan_file is not None:
        console.print(f"wrote {plan_file} ({len(table):,} rows)", soft_wrap=True)


@app.command()
def sweep(
    experiment: ExperimentArg,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Output directory (default: results/<experiment file name>/).",
            show_default=False,
        ),
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a sweep in DIR, skipping finished runs.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the size and the first runs (with --resume: those still to do); "
            "run nothing.",
        ),
    ] = False,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan-file",
            metavar="FILE",
            help="With --dry-run: write the whole run table to FILE (.csv or .parquet), a new "
            "file.",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            help="Run a sweep of more than 100,000 runs or an estimated day (else refused).",
        ),
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Start afresh in DIR, removing an earlier sweep's own files (never others).",
        ),
    ] = False,
    model: ModelOpt = None,
) -> None:
    """Run a parameter sweep from an experiment file into a Parquet dataset."""
    from commsim import api

    n_workers = _workers_option(workers)
    if plan_file is not None and not dry_run:
        fail("--plan-file goes with --dry-run (it writes the plan, not the runs)")
    given_out = out_option(out)
    try:
        api.check_sweep_flags(resume, overwrite)
    except ValueError as exc:
        fail(describe(exc))
    out_dir = given_out or Path("results") / experiment.stem
    try:
        loaded = api.load_experiment(experiment, model)
        if dry_run:
            _dry_run(loaded, out_dir if resume else None, plan_file)
            return
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    console = Console(highlight=False, markup=False)

    def announce(estimate: Any) -> None:
        console.print(f"{loaded.spec.name}: {estimate.summary()}", soft_wrap=True)

    try:
        with sweep_progress(loaded.spec.name) as progress:
            report = api.sweep(
                loaded,
                out_dir,
                workers=n_workers,
                scheduler=scheduler,
                resume=resume,
                overwrite=overwrite,
                progress=progress,
                yes=yes,
                announce=announce,
                command=f"commsim sweep {experiment}",
            )
    except api.SweepInterrupted as stop:
        done = stop.report
        typer.echo(
            f"interrupted: {done.done} of {done.planned} runs saved in {out_dir}/; "
            f"continue with: commsim sweep {experiment} --out {out_dir} --resume",
            err=True,
        )
        raise typer.Exit(130) from None
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    where = report.backend.get("scheduler") or f"{report.backend['workers']} worker(s)"
    console.print(
        f"{loaded.spec.name}: {report.done} of {report.planned} runs done "
        f"({report.skipped} were done before), {report.failed} failed "
        f"({report.backend['kind']}, {where})",
        soft_wrap=True,
    )
    console.print(f"wrote {out_dir}/ (metrics/, insights/, runs.parquet, manifest.json)")
    if report.failed:
        typer.echo(
            f"error: {report.failed} run(s) failed; their errors are in {out_dir}/failures/ "
            "(rerun with --resume to retry them)",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def calibrate(
    target: Annotated[
        Path,
        typer.Argument(
            metavar="TARGET", help="Target file (.toml, .yaml or .yml).", show_default=False
        ),
    ],
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="A new output directory (default: results/<target file name>/).",
            show_default=False,
        ),
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="At most 30 particles, 3 generations, 20 draws.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an unfinished calibration in DIR.")
    ] = False,
) -> None:
    """Calibrate the model to observed data: a posterior by ABC-SMC (pyabc)."""
    from commsim import api

    n_workers = _workers_option(workers)
    out_dir = out_option(out) or Path("results") / target.stem

    def progress(line: str) -> None:
        typer.echo(line, err=True)

    try:
        result = api.calibrate(
            target,
            out_dir,
            workers=n_workers,
            scheduler=scheduler,
            quick=quick,
            resume=resume,
            progress=progress,
        )
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    _print_frame(result.summary, None)
    _print_frame(result.predictive, None)
    typer.echo(
        f"{result.simulations} simulations in {result.seconds:.0f}s; wrote {out_dir}/ "
        "(posterior.csv, particles.parquet, predictive.csv, figures/)"
    )


MetricOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metric", metavar="NAME", help="A metric to include (repeatable).", show_default=False
    ),
]
StatisticOpt = Annotated[
    str,
    typer.Option(
        "--statistic",
        help="Per run: auto (totals of event counts, final values of the rest), final, "
        "total or mean (of an event count: per step).",
    ),
]
CsvOpt = Annotated[
    str | None,
    typer.Option(
        "--csv",
        metavar="FILE",
        help="Also write the table as CSV (an existing FILE only with --overwrite).",
        show_default=False,
    ),
]
CsvOverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace the --csv FILE if it exists.")
]


def csv_option(raw: str | None, overwrite: bool) -> Path | None:
    """The --csv file, checked before any work: its folder exists, and it is new or may go."""
    from commsim import api

    if raw is None:
        return None
    try:
        return api.check_new_file(raw, overwrite)
    except (ValueError, OSError) as exc:
        fail(describe(exc))


def _print_frame(frame: Any, csv: Path | None, floats: str = "{:.3f}") -> None:
    """A table on stdout (and in a CSV file when asked)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "iuf"
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        cells = [floats.format(v) if isinstance(v, float) else str(v) for v in row]
        table.add_row(*["n/a" if c == "nan" else c for c in cells])
    Console(highlight=False, width=max(100, 14 * len(frame.columns))).print(table)
    if csv is not None:
        from commsim import api

        try:
            api.write_csv(frame, csv)
        except OSError as exc:
            fail(describe(exc))
        typer.echo(f"wrote {csv}")


def _sweep_counts(directory: Path, name: str | None = None) -> str:
    """The header of results and analyse: counts and status as the files on disk say (under
    ``name``, the sweep column's, when it is not the experiment's)."""
    from commsim import api

    runs = api.sweep_status(directory)
    called = (
        runs["experiment"]
        if name in (None, runs["experiment"])
        else f"{name} ({runs['experiment']})"
    )
    note = f"{called}: {runs['done']} of {runs['planned']} runs"
    if runs["failed"] or runs["pending"]:
        note += f" ({runs['failed']} failed, {runs['pending']} not run)"
    return note + f", status {runs['status']}"


@app.command()
def results(
    directories: SweepDirsArg,
    metric: MetricOpt = None,
    statistic: StatisticOpt = "auto",
    step: Annotated[
        str | None,
        typer.Option("--step", metavar="S", help="Summarise at step S instead of each run's end."),
    ] = None,
    csv: CsvOpt = None,
    overwrite: CsvOverwriteOpt = False,
) -> None:
    """Summarise a sweep: mean, sd and 95% CI across repetitions per parameter combination.

    Without --metric: the metrics the experiment asked to record (all headline ones when it
    recorded every metric). Several sweeps: one table, by sweep and parameters.
    """
    from commsim import api

    at = _int_option("--step", step)
    csv_file = csv_option(csv, overwrite)
    directory = _one_or_several(directories)
    try:
        if isinstance(directory, list):
            wanted = metric or api.default_metrics_of(directory)
        else:
            wanted = metric or api.default_metrics(directory)
        table = api.summarise_sweep(directory, wanted, statistic=statistic, step=at)
        names = api.sweep_names(directories) if isinstance(directory, list) else [None]
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    for folder, name in zip(directories, names, strict=True):
        typer.echo(_sweep_counts(folder, name))
    _print_frame(table, csv_file)
    if "warning" in table.attrs:
        warn(table.attrs["warning"])


@app.command()
def analyse(
    ctx: typer.Context,
    directory: SweepDirArg,
    metric: Annotated[
        str, typer.Option("--metric", metavar="NAME", help="The output to attribute.")
    ] = "code_knowledge",
    statistic: StatisticOpt = "auto",
    csv: CsvOpt = None,
    overwrite: CsvOverwriteOpt = False,
) -> None:
    """Sensitivity indices of a Sobol (S1, ST) or Morris (mu*, sigma) sweep, and their figure
    in DIR/figures (Sobol: bars with intervals; Morris: mu* against sigma)."""
    from commsim import api

    if ctx.info_name != "analyse":  # the former spelling, still accepted
        warnings.warn(renamed_message(str(ctx.info_name), "analyse"), FutureWarning, stacklevel=1)
    csv_file = csv_option(csv, overwrite)
    try:
        table = api.sensitivity(directory, metric, statistic=statistic)
        written = api.plot_sensitivity(directory, table)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    typer.echo(_sweep_counts(directory))
    _print_frame(table, csv_file)
    typer.echo(f"wrote {', '.join(str(p) for p in written)}")
    if "warning" in table.attrs:
        warn(table.attrs["warning"])


@app.command()
def policies(
    directory: SweepDirArg,
    metric: Annotated[
        str, typer.Option("--metric", metavar="NAME", help="The outcome to compare.")
    ] = "code_knowledge",
    statistic: StatisticOpt = "auto",
    step: Annotated[
        str | None,
        typer.Option("--step", metavar="S", help="At step S, or 'end' (each run's end)."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Count the scenarios where a policy reaches it."),
    ] = None,
    above: Annotated[
        bool,
        typer.Option("--above/--below", help="Reaching the threshold: at or above, at or below."),
    ] = True,
    better: Annotated[
        str | None,
        typer.Option(
            "--better",
            help="higher or lower (default: the threshold's direction, else higher).",
            show_default=False,
        ),
    ] = None,
    csv: CsvOpt = None,
    overwrite: CsvOverwriteOpt = False,
) -> None:
    """Compare a [policies] sweep's policies across its scenarios: mean (95% CI), regret
    against the best policy per scenario, share satisfying a threshold; and its figure in
    DIR/figures."""
    from commsim import api

    at = None if step in (None, "end") else _int_option("--step", step)
    csv_file = csv_option(csv, overwrite)
    try:
        table = api.compare_policies(
            directory,
            metric,
            statistic=statistic,
            step=at,
            threshold=threshold,
            above=above,
            better=better,
        )
        written = api.plot_policies(directory, table)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    typer.echo(_sweep_counts(directory))
    _print_frame(table, csv_file)
    typer.echo(f"wrote {', '.join(str(p) for p in written)}")
    if "warning" in table.attrs:
        warn(table.attrs["warning"])


app.command("analyze", hidden=True)(analyse)  # the former spelling, until commsim 1.0


@app.command()
def plot(
    directories: SweepDirsArg,
    metric: MetricOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Where to write (default: DIR/figures; required with several sweeps); it "
            "may hold only figures commsim drew there before.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Draw a sweep: each metric over time by parameter value, and heatmaps (PNG + SVG).

    Several sweeps: drawn together (a panel by sweep beside one per parameter) into --out.
    """
    from commsim import api

    figures = out_option(out)
    directory = _one_or_several(directories)
    try:
        written = api.plot_sweep(directory, figures, metric)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    folder = written[0].parent if written else figures
    typer.echo(f"wrote {len(written)} files to {folder}/")


@app.command()
def discover(
    directory: SweepDirArg,
    metric: Annotated[
        str, typer.Option("--metric", metavar="NAME", help="The outcome that fails.")
    ] = "code_knowledge",
    below: Annotated[
        float | None,
        typer.Option(
            "--below", metavar="VALUE", help="A run fails when the metric is below VALUE."
        ),
    ] = None,
    above: Annotated[
        float | None,
        typer.Option(
            "--above", metavar="VALUE", help="Or: a run fails when the metric is above VALUE."
        ),
    ] = None,
    step: Annotated[
        str,
        typer.Option("--step", metavar="end|N", help="The metric at each run's end or at step N."),
    ] = "end",
    method: Annotated[
        str, typer.Option("--method", metavar="prim|cart", help="PRIM, or a CART tree's leaves.")
    ] = "prim",
    threshold_coverage: Annotated[
        float,
        typer.Option(
            "--threshold-coverage",
            metavar="C",
            help="PRIM: the densest box on the trajectory that covers at least C of the failures.",
        ),
    ] = 0.8,
    statistic: StatisticOpt = "auto",
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Where to write figures and CSVs (default: DIR/discovery); it may hold only "
            "what commsim wrote there before.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Scenario discovery: the box of the swept parameters where a metric fails (PRIM or CART),
    printed as a table, with its peeling trajectory and the box drawn over the runs."""
    from commsim import api

    folder = out_option(out)
    at = None if step.strip() == "end" else _int_option("--step", step)
    try:
        found = api.discover(
            directory,
            metric,
            below=below,
            above=above,
            step=at,
            method=method,
            threshold_coverage=threshold_coverage,
            statistic=statistic,
        )
        written = api.plot_discovery(directory, found, folder)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    typer.echo(_sweep_counts(directory))
    typer.echo(f"failure: {found.outcome.describe()}: {found.cases} of {len(found.y)} runs")
    _print_frame(found.box.drop(columns="kept"), None, "{:.4g}")
    _print_frame(found.stats(), None)
    typer.echo(f"wrote {len(written)} files to {written[0].parent}/")
    if found.warning:
        warn(found.warning)


# --- commsim org: a real organisation's files ----------------------------------------------

org = typer.Typer(
    name="org",
    help="Check, anonymise or export an organisation's files (org chart CSV, ties).",
    no_args_is_help=True,
)
app.add_typer(org)

ChartArg = Annotated[
    Path,
    typer.Argument(
        metavar="CHART",
        help="Org chart CSV: a header, then a row per person (id, manager; optional team, "
        "role, unit, tenure, safety, punitiveness, learning_rate).",
        show_default=False,
    ),
]
TiesOpt = Annotated[
    Path | None,
    typer.Option(
        "--ties",
        metavar="TIES",
        help="Who works with whom: a CSV edge list (source,target[,weight]) or .graphml.",
        show_default=False,
    ),
]
TiesOutOpt = Annotated[
    str | None,
    typer.Option(
        "--ties-out",
        metavar="FILE",
        help="Write the ties there, a new CSV edge list.",
        show_default=False,
    ),
]


def _new_file(name: str, raw: str) -> Path:
    """An output file option; an empty one is refused (it would name the current folder)."""
    if not raw.strip():
        fail(f"{name} {raw!r}: an empty path; name a new file")
    return Path(raw)


def _optional_file(name: str, raw: str | None) -> Path | None:
    return None if raw is None else _new_file(name, raw)


@org.command("check")
def org_check(
    chart: ChartArg,
    ties: TiesOpt = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Fix what has one reading (rows repeated exactly, a lone top who manages "
            "themself; ties given twice, self-ties, ties to people not in the chart), say each "
            "fix, and write the repaired files.",
        ),
    ] = False,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", metavar="FIXED.csv", help="With --repair: the repaired chart, a new file."
        ),
    ] = None,
    ties_out: TiesOutOpt = None,
) -> None:
    """Check an org chart (and its ties): what it holds, or its first mistake."""
    from commsim import api

    out_file, ties_file = _optional_file("--out", out), _optional_file("--ties-out", ties_out)
    if repair and out_file is None:
        fail("--repair writes the repaired chart: name a new file with --out FIXED.csv")
    if out_file is not None and not repair:
        fail("--out goes with --repair (a check alone writes nothing)")
    if ties_file is not None and (ties is None or not repair):
        fail("--ties-out goes with --repair and --ties")
    try:
        checked = api.check_org(chart, ties, repair=repair, out=out_file, ties_out=ties_file)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    console = Console(highlight=False, markup=False, soft_wrap=True)  # ids may hold [brackets]
    for line in checked.repairs:
        console.print(f"repaired {line}")
    if repair and not checked.repairs:
        console.print("nothing to repair")
    for line in checked.summary():
        console.print(line)
    for path in checked.written:
        console.print(f"wrote {path}")


@org.command("anonymise")
def org_anonymise(
    chart: ChartArg,
    salt: Annotated[
        Path,
        typer.Option(
            "--salt",
            metavar="SALT_FILE",
            help="The secret the pseudonyms are made with; made there if it does not exist. "
            "Keep it: the same salt gives the same ids the same pseudonyms.",
            show_default=False,
        ),
    ],
    out: Annotated[
        str,
        typer.Option("--out", metavar="OUT.csv", help="The anonymised chart, a new file."),
    ],
    ties: TiesOpt = None,
    ties_out: TiesOutOpt = None,
) -> None:
    """Anonymise an org chart (and its ties) for a workshop laptop: ids, teams and units
    become pseudonyms; roles, tenure and traits stay; other columns go."""
    from commsim import api

    out_file, ties_file = _new_file("--out", out), _optional_file("--ties-out", ties_out)
    if (ties is None) != (ties_file is None):
        fail("--ties and --ties-out go together (the anonymised ties need a file of their own)")
    try:
        report, made = api.anonymise_org(chart, out_file, salt, ties, ties_file)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    console = Console(highlight=False, markup=False, soft_wrap=True)
    if made:
        console.print(
            f"made a new salt in {salt}; keep it: without it the pseudonyms cannot be traced "
            "back, with it the same ids get the same pseudonyms"
        )
    for line in report:
        console.print(line)
    console.print(f"wrote {out_file}" + (f" and {ties_file}" if ties_file else ""))


@org.command("export")
def org_export(
    config: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO", help="Scenario file (.toml, .yaml or .yml).", show_default=False
        ),
    ],
    out: Annotated[
        str, typer.Option("--out", metavar="CHART.csv", help="The org chart, a new file.")
    ],
    ties_out: TiesOutOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write a scenario's organisation as an org chart CSV (and its ties), to edit or to set
    beside a client's: it reads back as the same organisation."""
    from commsim import api

    out_file, ties_file = _new_file("--out", out), _optional_file("--ties-out", ties_out)
    try:
        cfg = resolve_config(config, set_)
        written = api.export_org(cfg, out_file, ties_file)
    except (ValueError, OSError) as exc:
        fail(describe(exc))
    typer.echo(f"{cfg.name}: {cfg.n_agents:,} members; wrote {', '.join(map(str, written))}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
