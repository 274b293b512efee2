"""One writer per sweep folder: ``DIR/.commsim.lock``, held with ``flock`` while a sweep writes.

The kernel releases an ``flock`` when its holder dies, however it dies (``kill -9``, power
loss), so a lock file left behind by a killed sweep is free at once: stale, and simply taken
over by the next writer. A live holder is named (pid, host, start time, command) in the
refusal. The file is removed when its holder lets go, so a finished sweep leaves none.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commsim.provenance import utc_timestamp

LOCK = ".commsim.lock"


class SweepLockedError(OSError):
    """Another live process is writing the folder."""


def _read(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 64 * 1024, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def busy(root: Path, holder: dict[str, Any]) -> SweepLockedError:
    """'DIR is being written by commsim sweep X (pid 1234 on host, since ...); wait ...'."""
    command = holder.get("command") or "another process"
    where = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
    return SweepLockedError(
        f"{root} is being written by {command} ({where}, since {holder.get('since', '?')}); "
        "wait for it to finish or stop it"
    )


def holder(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Who holds the folder's lock now, or None when nobody does (a stale file included).

    Only looks: never creates the lock file.
    """
    path = Path(root) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read(fd) or {"pid": "?"}
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class SweepLock:
    """The exclusive write lock of one folder (which must exist); a context manager.

    ``stale`` holds what a dead holder's lock file said, when one was taken over.
    """

    def __init__(self, root: str | os.PathLike[str], command: str | None = None) -> None:
        self.root = Path(root)
        self.path = self.root / LOCK
        script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
        self.command = command or f"commsim.sweep from {script}"
        self.stale: dict[str, Any] | None = None
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ``SweepLockedError`` naming its live holder."""
        while self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held = _read(fd)
                os.close(fd)
                raise busy(self.root, held) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # its holder removed the file as we opened it: try again
                os.close(fd)
                continue
            self.stale = _read(fd) or None
            self._fd = fd
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": utc_timestamp(datetime.now(UTC)),
            "command": self.command,
        }
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        """Remove the file, then let go (so nobody locks a file about to vanish)."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> SweepLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
