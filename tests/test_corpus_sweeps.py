"""The adversarial corpus, sweeps: resumes after an edit, folders that hold something else or
are being written, big sweeps, dry-run and plan-file misuse, bad workers and schedulers.

Each case is refused in one line, with exit status 2, and leaves the folder as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import commsim

from .conftest import CONFIGS
from .corpus import Case, refuse

SMALL = f"""\
name = "small"
base = "{CONFIGS / "default.toml"}"
steps = 5
repetitions = 1
seed = 11
[overrides]
n_agents = 30
agent_sample_size = 0
[parameters]
initial_safety = [0.2, 0.9]
[record]
every = 2
"""
BUILT: dict[str, Path] = {}  # the one sweep every case copies (built once per module)
HOLDERS: list[subprocess.Popen[str]] = []


@pytest.fixture(scope="module", autouse=True)
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    root = tmp_path_factory.mktemp("built")
    (root / "small.toml").write_text(SMALL)
    commsim.sweep(root / "small.toml", root / "out", workers=1)
    BUILT["out"] = root / "out"
    yield
    for process in HOLDERS:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=10)


def a_sweep(root: Path) -> None:
    """``out``: a finished sweep of SMALL."""
    shutil.copytree(BUILT["out"], root / "out")


# A process that holds a folder's lock the way a running sweep does, until its stdin closes
HOLD = """\
import fcntl, json, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
info = {"pid": os.getpid(), "host": "lab", "since": "2026-01-05T09:00:00Z",
        "command": "commsim sweep small.toml"}
os.write(fd, json.dumps(info).encode())
print("ready", flush=True)
sys.stdin.read()
"""


def a_locked_sweep(root: Path) -> None:
    """``out``: a sweep that a live process is writing."""
    a_sweep(root)
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root / "out" / ".commsim.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    HOLDERS.append(process)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"


def edited(old: str, new: str) -> dict[str, str]:
    """The experiment file, as ``small.toml``, with one edit."""
    assert old in SMALL
    return {"small.toml": SMALL.replace(old, new)}


RESUME = ["sweep", "small.toml", "--out", "out", "--resume", "--workers", "1"]
DRY = ["sweep", "small.toml", "--dry-run"]
BASE = (CONFIGS / "default.toml").read_text()
HUGE = SMALL.replace(
    "initial_safety = [0.2, 0.9]",
    "initial_safety = { start = 0.0, stop = 1.0, step = 0.001 }\n"
    "punitiveness = { start = 0.0, stop = 1.0, step = 0.01 }",
)

CASES = [
    # --- a resume after an edit names each change, old -> new ------------------------------
    Case("resume-steps", RESUME, ["(steps 5 -> 6)"], a_sweep, edited("steps = 5", "steps = 6")),
    Case(
        "resume-record-every",
        RESUME,
        ["(record.every 2 -> 3)"],
        a_sweep,
        edited("every = 2", "every = 3"),
    ),
    Case(
        "resume-record-end",
        RESUME,
        ['(record.every 2 -> "end")'],
        a_sweep,
        edited("every = 2", 'every = "end"'),
    ),
    Case(
        "resume-record-metrics",
        RESUME,
        ['(record.metrics null -> ["code_knowledge"])'],
        a_sweep,
        edited("every = 2", 'every = 2\nmetrics = ["code_knowledge"]'),
    ),
    Case(
        "resume-record-insights",
        RESUME,
        ["(record.insights true -> false)"],
        a_sweep,
        edited("every = 2", "every = 2\ninsights = false"),
    ),
    Case(
        "resume-override-changed",
        RESUME,
        ["(n_agents 30 -> 40)"],
        a_sweep,
        edited("n_agents = 30", "n_agents = 40"),
    ),
    Case(
        "resume-override-added",
        RESUME,
        ["(turbulence_rate 0.02 -> 0.1)"],
        a_sweep,
        edited("n_agents = 30", "n_agents = 30\nturbulence_rate = 0.1"),
    ),
    Case("resume-seed", RESUME, ["(seed 11 -> 12)"], a_sweep, edited("seed = 11", "seed = 12")),
    Case(
        "resume-common-random-numbers",
        RESUME,
        ["(common_random_numbers false -> true)"],
        a_sweep,
        edited("seed = 11", "seed = 11\ncommon_random_numbers = true"),
    ),
    Case(
        "resume-base-scenario-field",
        RESUME,
        ["(m 30 -> 24)"],
        a_sweep,
        {
            "small.toml": SMALL.replace(str(CONFIGS / "default.toml"), "base.toml"),
            "base.toml": BASE.replace("m = 30", "m = 24"),
        },
    ),
    Case(
        "resume-two-changes",
        RESUME,
        [
            "(seed 11 -> 12; steps 5 -> 6)",
            "Undo the change, choose another --out, or start afresh with --overwrite",
        ],
        a_sweep,
        {"small.toml": SMALL.replace("seed = 11", "seed = 12").replace("steps = 5", "steps = 6")},
    ),
    Case(
        "dry-run-resume-after-an-edit",
        [*DRY, "--resume", "--out", "out"],
        ["(steps 5 -> 6)"],
        a_sweep,
        edited("steps = 5", "steps = 6"),
    ),
    # --- folders that hold something else, or a sweep already -----------------------------
    Case(
        "resume-into-a-folder-of-notes",
        RESUME,
        ["out: does not hold a commsim sweep", "notes.txt"],
        files={"small.toml": SMALL, "out/notes.txt": "mine"},
    ),
    Case(
        "dry-run-resume-into-a-folder-of-notes",
        [*DRY, "--resume", "--out", "out"],
        ["out: does not hold a commsim sweep", "notes.txt"],
        files={"small.toml": SMALL, "out/notes.txt": "mine"},
    ),
    Case(
        "resume-with-a-broken-manifest",
        RESUME,
        ["does not hold a commsim sweep"],
        files={"small.toml": SMALL, "out/manifest.json": "{not json"},
    ),
    Case(
        "sweep-again-without-resume",
        ["sweep", "small.toml", "--out", "out", "--workers", "1"],
        ["out: already holds a sweep; pass --resume"],
        a_sweep,
        {"small.toml": SMALL},
    ),
    Case(
        "out-is-a-file",
        ["sweep", "small.toml", "--out", "out", "--workers", "1"],
        ["out: exists and is not a directory"],
        files={"small.toml": SMALL, "out": "a file"},
    ),
    # --- a folder a live process is writing ------------------------------------------------
    Case(
        "resume-a-locked-sweep",
        RESUME,
        ["out is being written by commsim sweep small.toml (pid ", " on lab, since 2026-01-05"],
        a_locked_sweep,
        {"small.toml": SMALL},
    ),
    Case(
        "sweep-into-a-locked-sweep",
        ["sweep", "small.toml", "--out", "out", "--workers", "1"],
        ["out is being written by commsim sweep small.toml", "wait for it to finish or stop it"],
        a_locked_sweep,
        {"small.toml": SMALL},
    ),
    Case(
        "resume-a-locked-sweep-after-an-edit",
        RESUME,
        ["out is being written by"],
        a_locked_sweep,
        edited("steps = 5", "steps = 6"),
    ),
    # --- big sweeps are deliberate ---------------------------------------------------------
    Case(
        "big-sweep-without-yes",
        ["sweep", "small.toml", "--out", "out"],
        ["small: 101,101 runs (101,101 points x 1 repetitions) is more than 100,000", "--yes"],
        files={"small.toml": HUGE},
    ),
    Case(
        "big-sweep-resume-without-yes",
        RESUME,
        ["101,101 runs", "pass --yes"],
        a_sweep,
        {"small.toml": HUGE},
    ),
    # --- dry-run and plan-file misuse ------------------------------------------------------
    Case(
        "plan-file-without-dry-run",
        ["sweep", "small.toml", "--plan-file", "plan.csv"],
        ["--plan-file goes with --dry-run"],
        files={"small.toml": SMALL},
    ),
    Case(
        "plan-file-exists",
        [*DRY, "--plan-file", "plan.csv"],
        ["--plan-file plan.csv: exists; choose a new file name"],
        files={"small.toml": SMALL, "plan.csv": "my own table\n"},
    ),
    Case(
        "plan-file-is-a-folder",
        [*DRY, "--plan-file", "plans.csv"],
        ["--plan-file plans.csv: exists"],
        files={"small.toml": SMALL, "plans.csv/keep.txt": "x"},
    ),
    Case(
        "plan-file-dangling-link",
        [*DRY, "--plan-file", "plan.parquet"],
        ["--plan-file plan.parquet: exists"],
        lambda root: (root / "plan.parquet").symlink_to(root / "nowhere"),
        {"small.toml": SMALL},
    ),
    Case(
        "plan-file-suffix",
        [*DRY, "--plan-file", "plan.txt"],
        ["--plan-file plan.txt: expected a file name ending in .csv or .parquet"],
        files={"small.toml": SMALL},
    ),
    Case(
        "plan-file-in-a-missing-folder",
        [*DRY, "--plan-file", "nope/plan.csv"],
        ["--plan-file nope/plan.csv: no such folder nope"],
        files={"small.toml": SMALL},
    ),
    Case(
        "dry-run-resume-plan-file-exists",
        [*DRY, "--resume", "--out", "out", "--plan-file", "plan.csv"],
        ["--plan-file plan.csv: exists"],
        a_sweep,
        {"small.toml": SMALL, "plan.csv": "mine\n"},
    ),
    # --- workers and schedulers ------------------------------------------------------------
    *[
        Case(f"workers-{raw}", ["sweep", "small.toml", "--workers", raw], [needle])
        for raw, needle in [
            ("0", "--workers 0: must be at least 1"),
            ("-2", "--workers -2: must be at least 1"),
            ("two", "--workers 'two': expected a whole number"),
            ("1.5", "--workers '1.5': expected a whole number"),
        ]
    ],
    Case(
        "scheduler-without-port",
        ["sweep", "small.toml", "--out", "out", "--scheduler", "localhost"],
        ["--scheduler 'localhost': missing port number"],
        files={"small.toml": SMALL},
    ),
    Case(
        "scheduler-unreachable",
        ["sweep", "small.toml", "--out", "out", "--scheduler", "tcp://127.0.0.1:1"],
        ["cannot reach the Dask scheduler at tcp://127.0.0.1:1"],
        files={"small.toml": SMALL},
    ),
    Case(
        "scheduler-on-resume-unreachable",
        [*RESUME, "--scheduler", "tcp://127.0.0.1:1"],
        ["cannot reach the Dask scheduler"],
        a_sweep,
        {"small.toml": SMALL},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_corpus_sweeps(case: Case, tmp_path: Path) -> None:
    refuse(case, tmp_path)
