"""What commsim may replace: folders and files it wrote itself, and nothing else.

Every folder commsim fills records what it wrote in a marker file: a ``kind``, a format
version and the list of its files with their sizes and sha256 (a run's ``manifest.json``, a
figure folder's ``.commsim-figures.json``; a sweep's ``manifest.json`` names its kind and the
layout names the rest). Before writing, a command looks at its target: a missing or empty folder
is written; an earlier output of the same kind, every entry of which is listed and unchanged,
may be replaced, and then only its listed files go; anything else in the way (someone's file, a
hidden file, a subfolder, a symbolic link, a listed file edited since) refuses the write, with
the folder named and the first entries in the way listed. A folder is replaced whole: the new
one is written beside it under a hidden name and renamed into place, so a crash or Ctrl-C never
leaves half an output and never removes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

RUN_KIND = "commsim-run"
SWEEP_KIND = "commsim-sweep"
FIGURES_KIND = "commsim-figures"
FIGURES_MARKER = ".commsim-figures.json"
FIGURES_FORMAT = 1
SHOWN = 3  # entries in the way named in an error line
_SHA256 = re.compile(r"[0-9a-f]{64}")
TEMPORARY = re.compile(r"\..+\.tmp-\d+-[0-9a-f]{8}")  # what write_atomically leaves if killed

Listing = dict[str, dict[str, Any]]  # file name -> {"bytes": int, "sha256": str}


def file_entry(path: Path) -> dict[str, Any]:
    """A written file as a listing records it."""
    return {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def given_path(raw: str | os.PathLike[str], what: str = "output directory") -> Path:
    """``raw`` as a path; an empty one is refused (it would silently mean the current folder)."""
    if not str(os.fspath(raw)).strip():
        raise ValueError(f"{what} is an empty path; name one")
    return Path(raw)


def listing(data: Any) -> Listing | None:
    """A marker's ``files`` if it is a well-formed listing of plain file names, else None.

    Names with a folder part, hidden names or malformed entries make the whole marker
    someone else's: commsim only ever removes names it can vouch for.
    """
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return None
    for name, entry in files.items():
        plain = isinstance(name, str) and name == Path(name).name and not name.startswith(".")
        sized = isinstance(entry, dict) and type(entry.get("bytes")) is int
        if not (plain and sized and _SHA256.fullmatch(str(entry.get("sha256")))):
            return None
    return files


def read_json_marker(path: Path) -> tuple[Any, str | None]:
    """A marker file's JSON, or None and why it cannot be one of commsim's."""
    if path.is_symlink():
        return None, "a symbolic link"
    if path.is_dir():
        return None, "a directory"
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None, "not readable JSON"


def _unchanged(path: Path, entry: Mapping[str, Any]) -> bool:
    return path.stat().st_size == entry["bytes"] and file_entry(path)["sha256"] == entry["sha256"]


def in_the_way(folder: Path, own: Mapping[str, Mapping[str, Any]], marker: str) -> list[str]:
    """Entries of ``folder`` that are not ``marker`` or one of its listed, unchanged files."""
    strays = []
    for entry in sorted(folder.iterdir()):
        name, plain = entry.name, entry.is_file() and not entry.is_symlink()
        if plain and (name == marker or (name in own and _unchanged(entry, own[name]))):
            continue
        changed = plain and name in own
        strays.append(f"{name} (changed since commsim wrote it)" if changed else stray(entry))
    return strays


def stray(entry: Path, prefix: str = "") -> str:
    """An entry in the way as an error line names it: ``name``, ``name/`` or a link."""
    if entry.is_symlink():
        return f"{prefix}{entry.name} (a symbolic link)"
    return f"{prefix}{entry.name}/" if entry.is_dir() else f"{prefix}{entry.name}"


def named(strays: list[str]) -> str:
    """The first few entries in the way, for an error line."""
    more = len(strays) - SHOWN
    return ", ".join(strays[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def check_target(out: Path) -> None:
    """Refuse a target that is not a folder or cannot be created.

    A symbolic link to a folder is followed (the folder it names is written); a link to
    nothing is refused. Writability is probed by creating and removing a hidden folder in
    the nearest existing ancestor, so nothing is left behind either way.
    """
    if out.is_symlink() and not out.exists():
        raise FileNotFoundError(f"{out}: a symbolic link to nothing; name a real directory")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a directory")
    anchor = nearest_existing(out.parent)
    if not anchor.is_dir():
        raise NotADirectoryError(f"{out}: cannot create it, {anchor} is not a directory")
    probe = anchor / f".commsim-probe-{secrets.token_hex(4)}"
    try:
        probe.mkdir()
    except OSError as exc:
        raise PermissionError(f"{out}: cannot write there ({exc.strerror or exc})") from None
    probe.rmdir()


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def resolved(out: Path) -> Path:
    """Where ``out`` really is (through symbolic links): "." and ".." have no name to build a
    sibling from, and a link to a folder is replaced at the folder it names."""
    return Path(os.path.realpath(out))


def staging_for(out: Path) -> Path:
    """A new hidden folder to build ``out``'s replacement in, in its nearest existing ancestor.

    Same file system, so it can be renamed into place; and ``out``'s missing parents are
    created only then (``swap_in``), so a write that fails leaves no empty folders behind.
    Named ``.NAME.new-…``, not ``.tmp-``: a sweep clears leftover ``.tmp-`` files of its own,
    and a figure folder's staging sits inside the sweep.
    """
    name = f".{out.name}.new-{os.getpid()}-{secrets.token_hex(4)}"
    staging = nearest_existing(out.parent) / name
    staging.mkdir()
    return staging


def swap_in(staging: Path, out: Path, own: Iterable[str]) -> None:
    """Rename ``staging`` to ``out``; an earlier ``out`` loses only its ``own`` files.

    The earlier folder is moved aside first (and back, should the rename fail), then its own
    files are removed and the folder with them if it is empty. Should anything else have
    appeared in it meanwhile, that folder stays where it was moved, hidden but whole.
    """
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    for name in own:
        (old / name).unlink(missing_ok=True)
    with suppress(OSError):  # not empty: something not commsim's arrived meanwhile; kept
        old.rmdir()


# --- figure folders ------------------------------------------------------------------------


def figure_listing(folder: Path) -> Listing:
    """The figures commsim drew in ``folder`` earlier; FileExistsError if anything else is there.

    A folder's figures are commsim's when its ``.commsim-figures.json`` lists them with the
    bytes they still have; a missing or empty folder has none.
    """
    if not folder.is_dir() or not any(folder.iterdir()):
        return {}
    data, _ = read_json_marker(folder / FIGURES_MARKER)
    own = listing(data) if isinstance(data, dict) and data.get("kind") == FIGURES_KIND else None
    strays = in_the_way(folder, own or {}, FIGURES_MARKER if own is not None else "")
    if strays:
        raise FileExistsError(
            f"{folder}: holds files that are not figures commsim drew there ({named(strays)}); "
            "choose another directory for the figures"
        )
    return own or {}


@contextmanager
def figure_folder(out: str | os.PathLike[str]) -> Iterator[Path]:
    """A staging folder for figures bound for ``out``, swapped in when the block succeeds.

    What ``commsim plot`` and ``commsim analyse`` draw goes through here: ``out`` may hold only
    figures commsim drew there earlier (those of the same name are replaced, the others kept);
    anything else refuses the write before a figure is drawn, and again just before the swap.
    """
    given = given_path(out)
    check_target(given)
    figure_listing(given)
    target = resolved(given)
    staging = staging_for(target)
    try:
        yield staging
        earlier = figure_listing(given)
        for name in earlier.keys() - {p.name for p in staging.iterdir()}:
            shutil.copy2(target / name, staging / name)
        files = {p.name: file_entry(p) for p in sorted(staging.iterdir())}
        marker = {"kind": FIGURES_KIND, "format": FIGURES_FORMAT, "files": files}
        (staging / FIGURES_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        swap_in(staging, target, [*earlier, FIGURES_MARKER])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# --- single files (CSV tables) ---------------------------------------------------------------


def check_new_file(raw: str | os.PathLike[str], overwrite: bool) -> Path:
    """Refuse a file path that cannot be written, or that exists without ``overwrite``."""
    path = given_path(raw, "--csv file")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise NotADirectoryError(f"{path}: cannot write it, {parent} is not a directory")
    if not parent.exists():
        raise FileNotFoundError(f"{path}: cannot write it, the directory {parent} does not exist")
    if path.is_symlink():
        raise FileExistsError(f"{path}: is a symbolic link; name a plain file")
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a directory; name a file")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path}: exists; pass --overwrite to replace it")
    return path


def write_atomically(path: Path, write: Callable[[Path], None], *, replace: bool = True) -> None:
    """``write`` a hidden sibling of ``path``, sync it, then put it in place whole.

    ``replace`` renames it over ``path``; otherwise it is linked there, which fails with
    FileExistsError (and replaces nothing) if the name was taken meanwhile. A killed write
    leaves only the sibling, named as ``TEMPORARY`` recognises.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if replace:
            tmp.replace(path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
