"""The adversarial corpus's harness: a user's mistake is refused, and nothing on disk moves.

Each case runs the real ``commsim`` command line (in this process, through typer's runner)
inside a folder of its own, and asserts what a user must be able to rely on: the exit status,
exactly one ``error: ...`` line on stderr naming what is wrong, no traceback anywhere, and a
file tree that is byte for byte what it was before (nothing written, changed or deleted).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from commsim.cli import app

Snapshot = dict[str, str]


def snapshot(root: Path) -> Snapshot:
    """Every entry below ``root`` (hidden ones too): a file's sha256, "dir" or "link"."""
    tree: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                tree[key] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                tree[key] = "dir"
            else:
                tree[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def tree_diff(before: Snapshot, after: Snapshot) -> list[str]:
    """What changed between two snapshots, one line each (empty when nothing did)."""
    lines = [f"deleted {k}" for k in sorted(before.keys() - after.keys())]
    lines += [f"created {k}" for k in sorted(after.keys() - before.keys())]
    lines += [f"changed {k}" for k in sorted(before.keys() & after.keys()) if before[k] != after[k]]
    return lines


@contextmanager
def chdir(path: Path) -> Any:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@dataclass(frozen=True)
class Case:
    """One misuse: lay out files, run ``args``, expect a refusal naming ``needles``.

    ``setup(root)`` builds the folder the command runs in (and may return nothing); ``args``
    are the command's words, where ``{root}`` stands for that folder.
    """

    id: str
    args: Sequence[str]
    needles: Sequence[str] = ()
    setup: Callable[[Path], Any] | None = None
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text
    exit_code: int = 2


def refuse(case: Case, root: Path) -> str:
    """Run ``case`` in ``root`` and assert a clean refusal; returns the error line."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if case.setup is not None:
        case.setup(root)
    before = snapshot(root)
    args = [a.replace("{root}", str(root)) for a in case.args]
    with chdir(root):
        result = CliRunner().invoke(app, args)
    stderr, stdout = result.stderr, result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{case.id}: raised {result.exception!r}\n{stdout}\n{stderr}"
    )
    assert result.exit_code == case.exit_code, f"{case.id}: exit {result.exit_code}\n{stderr}"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"{case.id}: expected one line on stderr, got:\n{stderr}"
    assert lines[0].startswith("error: "), f"{case.id}: {lines[0]}"
    for needle in case.needles:
        assert needle.replace("{root}", str(root)) in lines[0], f"{case.id}: {lines[0]}"
    assert "Traceback" not in stdout + stderr, f"{case.id}: traceback\n{stdout}{stderr}"
    changed = tree_diff(before, snapshot(root))
    assert not changed, f"{case.id}: the refusal touched the disk: {changed}"
    return lines[0]
