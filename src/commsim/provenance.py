"""Where a run came from: package versions, the git commit, UTC times; for both stores.

``versions()`` and ``git_commit()`` are asked once per process and then cached (the first
``commsim.run`` pays three ``git`` subprocesses and a few package-metadata look-ups, later
ones nothing). A process that changes its working tree or installed packages mid-way keeps
reporting the first answer.
"""

from __future__ import annotations

import platform
import subprocess
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from commsim._version import __version__

_VERSIONED = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib", "SALib")
_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _versions() -> tuple[tuple[str, str], ...]:
    found = {"commsim": __version__}
    for dist in _VERSIONED:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "unknown"
    found["python"] = platform.python_version()
    return tuple(found.items())


def versions() -> dict[str, str]:
    """Versions of everything that can change a run's numbers, for the manifest.

    A fresh dict each call, so a caller may change its copy without touching the cache.
    """
    return dict(_versions())


def _git(*args: str, cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@cache
def git_commit() -> str:
    """The commit of the code that ran, "+dirty" if the working tree has changes.

    Asked in the package's own directory, and only if the package is tracked there, so an
    installed copy that happens to sit inside some other repository is not misattributed.
    """
    if _git("ls-files", "--error-unmatch", "__init__.py", cwd=_PACKAGE_DIR) is None:
        return "unknown"
    commit = _git("rev-parse", "HEAD", cwd=_PACKAGE_DIR)
    if not commit:
        return "unknown"
    status = _git("status", "--porcelain", cwd=_PACKAGE_DIR)
    return f"{commit}+dirty" if status else commit


def utc_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the millisecond."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
