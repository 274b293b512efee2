"""The ``commsim`` command: run or check a scenario file. A thin shell over ``commsim.api``.

Every mistake a user can make (a bad config, a missing file, a malformed ``--set``, an
output directory that cannot be written) ends in one ``error: ...`` line on stderr and exit
status 2, before anything is written.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from commsim import __version__
from commsim.config import Config, ConfigError, load_config, parse_assignment

USER_ERROR = 2
# Runs whose steps x members x dimensions exceed this take a few seconds: show progress.
PROGRESS_WORK = 50_000_000

app = typer.Typer(
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


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: the way every user error ends."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USER_ERROR)


def describe(exc: BaseException) -> str:
    """A one-line message for an exception a user caused (bad path, bad value...)."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _int_option(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw.strip().replace("_", ""))
    except ValueError:
        fail(f"{name} {raw!r}: expected a whole number")


def resolve_config(path: Path, assignments: list[str] | None, **explicit: int | None) -> Config:
    """The config a command would run, with --set and explicit options applied (in order)."""
    overrides: dict[str, Any] = dict(parse_assignment(text) for text in assignments or [])
    overrides.update({key: value for key, value in explicit.items() if value is not None})
    return load_config(path, **overrides)


@contextmanager
def progress_bar(config: Config) -> Iterator[Callable[[int], None] | None]:
    """A transient bar on a terminal's stderr for long runs; no bar (None) otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal or config.steps * config.n_agents * config.m < PROGRESS_WORK:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"{config.name}: step", total=config.steps)
        yield lambda step: bar.update(task, completed=step)


def _fmt(value: float | int) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def summary_table(summary: dict[str, float | int]) -> Table:
    """The few numbers worth reading in a terminal after a run."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = (
        ("code knowledge (final)", "code_knowledge"),
        ("code accuracy (final)", "code_accuracy"),
        ("mean knowledge (final)", "mean_knowledge"),
        ("mean safety (final)", "mean_safety"),
        ("insights generated", "insights_generated"),
        ("insights voiced", "insights_voiced"),
        ("insights suppressed", "insights_suppressed"),
        ("insights codified", "insights_codified"),
        ("voice rate", "voice_rate"),
        ("cross-role share", "cross_role_share"),
    )
    for label, key in rows:
        table.add_row(label, _fmt(summary[key]))
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
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Output directory (default: results/<config file name>/); an earlier run "
            "there is replaced once the new one is complete.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a scenario and write its tables, manifest and summary figure."""
    from commsim import api, storage

    n_steps, n_seed = _int_option("--steps", steps), _int_option("--seed", seed)
    out_dir = out if out is not None else Path("results") / config.stem
    try:
        cfg = resolve_config(config, set_, steps=n_steps, seed=n_seed)
        storage.check_out_dir(out_dir)
    except (ConfigError, OSError) as exc:
        fail(describe(exc))

    with progress_bar(cfg) as progress:
        result = api.run(cfg, progress=progress)
    try:
        written = storage.write_run(result, out_dir, config_path=config)
    except OSError as exc:
        fail(describe(exc))

    manifest = result.manifest
    console = Console(highlight=False, markup=False)  # paths may hold [brackets]
    console.print(
        f"{cfg.name}: {manifest['steps_run']} steps, {cfg.n_agents:,} members, seed {cfg.seed} "
        f"({manifest['wall_time_s']:.2f} s)",
        soft_wrap=True,
    )
    console.print(summary_table(api.summarize(result.model)))
    tables = "/".join(storage.TABLES)
    console.print(
        f"wrote {written}/ ({tables}.parquet, manifest.json, {storage.FIGURE})", soft_wrap=True
    )


@app.command()
def validate(config: ConfigArg, set_: SetOpt = None) -> None:
    """Check a scenario file (and overrides) without running it."""
    try:
        cfg = resolve_config(config, set_)
    except (ConfigError, OSError) as exc:
        fail(describe(exc))
    extra = f", interventions={len(cfg.interventions)}" if cfg.interventions else ""
    typer.echo(f"{config}: ok (n_agents={cfg.n_agents}, m={cfg.m}, steps={cfg.steps}{extra})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
