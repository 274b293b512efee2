"""A real organisation from a client's files: an org chart (CSV) and who works with whom (a
CSV edge list or GraphML), checked whole before a model sees them; and the files written
back (a model's organisation, an anonymised copy for a workshop laptop).

Every mistake is one ``OrgFileError`` line naming the file, the line and what is allowed,
so a client's HR export can be fixed where it was made. ``repair`` fixes only what has one
reading (a row repeated exactly, a tie given twice...) and says what it did; anything that
needs a person's judgement stays an error. Files are read with the csv module and numpy in
one pass: a 100,000-person chart reads in a fraction of a second.

The model core is imported inside the functions that build its objects, so this module
can be imported by the config layer without a cycle.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
import operator
import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from commsim import outputs

if TYPE_CHECKING:
    from commsim.model import Collaboration, CommunityModel, OrgChart

PathLike = str | os.PathLike[str]

MAX_BYTES = 1 << 30  # 1 GiB: a larger file is refused before it is read
MAX_ROWS = 10_000_000  # people in a chart, ties in a network
SHOWN = 5  # lines or ids named in one message
MIN_SALT = 16  # characters: a shorter salt could be guessed, and every pseudonym with it

#: each field a chart file may give, and the column names (lower case) that give it
CHART_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "person", "person_id", "employee_id"),
    "manager": ("manager", "manager_id", "reports_to"),
    "team": ("team",),
    "role": ("role",),
    "unit": ("unit",),
    "tenure": ("tenure",),
    "safety": ("safety",),
    "punitiveness": ("punitiveness",),
    "learning_rate": ("learning_rate",),
}
LABELS = ("team", "role", "unit")
TIE_FIELDS: dict[str, tuple[str, ...]] = {
    "source": ("source", "a", "from", "person1"),
    "target": ("target", "b", "to", "person2"),
    "weight": ("weight",),
}
EXPORT_COLUMNS = (
    "id", "manager", "team", "role", "punitiveness", "safety", "learning_rate", "tenure"
)  # fmt: skip


class OrgFileError(ValueError):
    """A client's org file is wrong; the message is one line naming the file and the line."""


# --- numbers in a file's cells -------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    """What a numeric column allows, and what its blank cell means."""

    allowed: str  # as a message says it: "a number in [0, 1]"
    low: float
    high: float = math.inf
    above: bool = False  # the low end itself is not allowed
    whole: bool = False
    blank: float | None = math.nan  # a blank cell's value; None: a blank is an error
    note: str = "; a blank cell keeps the model's value"

    @property
    def parse(self) -> Callable[[str], float]:
        return int if self.whole else float

    def accepts(self, values: np.ndarray) -> np.ndarray:
        low = values > self.low if self.above else values >= self.low
        return low & (values <= self.high) & np.isfinite(values)


NUMBERS = {
    "tenure": _Number(
        "a whole number >= 0 (steps in the organisation at the start)",
        0,
        1e15,
        whole=True,
        blank=-1,
        note="; a blank cell: not known",
    ),
    "safety": _Number("a number in [0, 1]", 0, 1),
    "punitiveness": _Number("a number in [0, 1]", 0, 1),
    "learning_rate": _Number("a number in [1, 100]", 1, 100),
    "weight": _Number("a number above 0", 0, above=True, blank=None, note=""),
}


def _numbers(
    cells: list[str], spec: _Number, column: str, at: Callable[[int], str], comma: bool
) -> np.ndarray:
    """A column's cells as numbers (blank cells as ``spec.blank``), or the first bad cell
    as an error naming where it is, the column, the value and what is allowed. ``comma``:
    a decimal comma is read as a point (Excel's ';' exports in locales that write 0,5)."""
    texts = [c.replace(",", ".") for c in cells] if comma and not spec.whole else cells
    empty = np.fromiter(map(operator.not_, cells), dtype=bool, count=len(cells))
    try:
        if empty.any():
            values = np.array([spec.parse(c) if c else math.nan for c in texts], np.float64)
        else:  # the common case, at C speed
            values = np.array(list(map(spec.parse, texts)), dtype=np.float64)
    except (ValueError, OverflowError):
        values = np.array([_or_nan(spec.parse, c) for c in texts], dtype=np.float64)
    bad = ~spec.accepts(values) & (~empty if spec.blank is not None else True)
    if bad.any():
        i = int(np.argmax(bad))
        value = f"{column} '{cells[i]}'" if cells[i] else f"a blank {column}"
        raise OrgFileError(f"{at(i)}: {value} is not {spec.allowed}{spec.note}")
    if spec.blank is not None:
        values[empty] = spec.blank
    return values.astype(np.int64) if spec.whole else values


def _or_nan(parse: Callable[[str], float], cell: str) -> float:
    try:
        return float(parse(cell))
    except (ValueError, OverflowError):
        return math.nan


# --- reading a CSV file ---------------------------------------------------------------------


def _read_bytes(path: PathLike, source: str, what: str, things: str) -> bytes:
    """A file's bytes, refused when it is missing, a folder or huge (before it is read)."""
    file = Path(path)
    if file.is_dir():
        raise OrgFileError(f"{source}: a folder, not {what}")
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise OrgFileError(
                f"{source}: {size / 2**30:.1f} GiB, over the 1 GiB commsim reads for {what}"
            )
        data = file.read_bytes()
    except FileNotFoundError:
        raise OrgFileError(f"{source}: no such file") from None
    except OSError as exc:
        raise OrgFileError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    lines = max(data.count(b"\n"), data.count(b"\r"))
    if lines > MAX_ROWS + 1:
        raise OrgFileError(
            f"{source}: {lines:,} lines, over the {MAX_ROWS:,} {things} commsim reads"
        )
    return data


def _decode(data: bytes, source: str, what: str) -> tuple[str, bool]:
    """A file's text (UTF-8, with or without Excel's byte-order mark) and whether it had the
    mark; refused when it is not UTF-8 text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise OrgFileError(
            f"{source}, line {line}: not UTF-8 text (byte {exc.start:,}); save {what} as "
            "UTF-8 (Excel: 'CSV UTF-8')"
        ) from None
    if "\x00" in text:
        raise OrgFileError(f"{source}: holds NUL bytes: a binary or UTF-16 file, not UTF-8 text")
    return text, data.startswith(b"\xef\xbb\xbf")


def _delimiter(text: str) -> str:
    """The delimiter the header line uses most: ',' (the default), ';' or a tab."""
    header = text[: text.find("\n")] if "\n" in text else text
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])  # ties go to the first
    return best if counts[best] else ","


@dataclass
class _Table:
    """A CSV file's non-blank rows as read: the header, the rows below it, their lines."""

    source: str
    sha256: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # each row's line in the file (the header's is ``header_line``)
    header_line: int
    delimiter: str
    bom: bool

    def at(self, row: int) -> str:
        return f"{self.source}, line {self.lines[row]}"

    def cells(self, column: int) -> list[str]:
        return [row[column].strip() for row in self.rows]

    def keep(self, rows: np.ndarray) -> None:
        """Keep these rows only (a repair dropped the others)."""
        self.rows = [self.rows[i] for i in rows.tolist()]
        self.lines = [self.lines[i] for i in rows.tolist()]


def _read_table(path: PathLike, source: str, what: str, things: str) -> _Table:
    """A CSV file's rows, checked to be a table: a header, then rows as wide as it."""
    data = _read_bytes(path, source, what, things)
    text, bom = _decode(data, source, what)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, lines = [], []
    try:
        for row in reader:
            if any(map(str.strip, row)):  # blank lines, and Excel's rows of empty cells
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise OrgFileError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows:
        raise OrgFileError(f"{source}: the file is empty; {what} is a CSV file with a header")
    table = _Table(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        header=[name.strip() for name in rows[0]],
        rows=rows[1:],
        lines=lines[1:],
        header_line=lines[0],
        delimiter=delimiter,
        bom=bom,
    )
    _check_widths(table)
    return table


def _check_widths(table: _Table) -> None:
    width = len(table.header)
    widths = np.fromiter(map(len, table.rows), dtype=np.int64, count=len(table.rows))
    wrong = np.flatnonzero(widths != width)
    if wrong.size:
        i = int(wrong[0])
        split = {",": "','", ";": "';'", "\t": "tabs"}[table.delimiter]
        raise OrgFileError(
            f"{table.at(i)}: {widths[i]} fields, but the header (line {table.header_line}) "
            f"has {width} (fields split at {split})"
        )


def _fields(
    table: _Table, known: dict[str, tuple[str, ...]], required: Sequence[str], what: str
) -> tuple[dict[str, int], list[str]]:
    """Which column gives each known field (names matched in lower case), and the names of
    the columns nothing reads; a missing required field or one given twice is an error."""
    found: dict[str, int] = {}
    ignored = []
    lookup = {alias: name for name, aliases in known.items() for alias in aliases}
    for column, label in enumerate(table.header):
        name = lookup.get(label.lower())
        if name is None:
            ignored.append(label or f"(unnamed column {column + 1})")
        elif name in found:
            first = table.header[found[name]]
            raise OrgFileError(
                f"{table.source}, line {table.header_line}: columns '{first}' and '{label}' "
                f"both give the {name}; keep one"
            )
        else:
            found[name] = column
    for name in required:
        if name not in found:
            aliases = ", ".join(known[name][1:])
            columns = ", ".join(f"'{h}'" for h in table.header)
            raise OrgFileError(
                f"{table.source}, line {table.header_line}: no '{name}' column (or {aliases}) "
                f"for {what}; the columns are {columns}"
            )
    return found, ignored


# --- org charts ---------------------------------------------------------------------------


def _listed(items: Sequence[str], word: str = "") -> str:
    """'lines 2, 5, 9' or 'line 2': the first few of ``items`` with how many more."""
    shown = ", ".join(items[:SHOWN]) + (
        f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    )
    if not word:
        return shown
    return f"{word}s {shown}" if len(items) > 1 else f"{word} {shown}"


@dataclass
class OrgFile:
    """An org chart with what its file held besides: the repairs made, the columns that
    gave each field, those nothing reads, and the rows as read (repaired, in file order)
    to write a repaired copy from."""

    chart: OrgChart
    repairs: list[str]
    fields: dict[str, int]
    ignored: list[str]
    table: _Table


def read_org_chart(
    path: PathLike, *, source: str | None = None, repair: bool = False
) -> tuple[OrgChart, list[str]]:
    """An org chart from a CSV file, checked, with one line per repair made (``repair``:
    only what has one reading; none without it). See ``read_org_file``."""
    org = read_org_file(path, source=source, repair=repair)
    return org.chart, org.repairs


def read_org_file(path: PathLike, *, source: str | None = None, repair: bool = False) -> OrgFile:
    """An org chart from a CSV file (one row per person, a header naming the columns).

    ``id`` and ``manager`` (blank for the top) are required; ``team``, ``role``, ``unit``,
    ``tenure`` and the traits ``safety``, ``punitiveness`` and ``learning_rate`` are read
    when present, other columns ignored. Excel's exports read as they are: a byte-order
    mark, ';' or tab delimiters (and then 0,5 for 0.5), CRLF line ends. Rows come out
    top-down (by depth below the top, in file order within a depth). ``source`` names the
    file in messages and in the chart (default: the path as given). ``repair`` keeps one of
    rows repeated exactly and makes a person who is their own manager the top when no one
    else is; everything else stays an error.
    """
    source = os.fspath(path) if source is None else source
    table = _read_table(path, source, "an org chart", "people")
    fields, ignored = _fields(table, CHART_FIELDS, ("id", "manager"), "an org chart")
    if not table.rows:
        raise OrgFileError(
            f"{source}: no people: the header (line {table.header_line}) is the only line"
        )
    repairs: list[str] = []
    ids = _unique_ids(table, fields["id"], repair, repairs)
    values = _values(table, fields)
    manager = _manager_rows(table, fields["manager"], ids, repair, repairs)
    depth = _depths(table, ids, manager)
    if len(ids) < 2:
        raise OrgFileError(
            f"{table.at(0)}: one person ('{ids[0]}'); the model needs an organisation of at "
            "least two"
        )
    chart = _chart(table, ids, manager, values, np.argsort(depth, kind="stable"))
    return OrgFile(chart, repairs, fields, ignored, table)


def _unique_ids(table: _Table, column: int, repair: bool, repairs: list[str]) -> list[str]:
    """The ids, refused when blank or repeated; ``repair`` keeps one of rows repeated
    exactly (the same values in every column) and drops the others from ``table``."""
    ids = table.cells(column)
    if "" in ids:
        raise OrgFileError(f"{table.at(ids.index(''))}: a blank id; every person needs one")
    repeats = _repeats(ids) if len(set(ids)) < len(ids) else []
    exact = [(i, j) for i, j in repeats if _same_row(table, i, j)]
    if repair and exact:
        said = [f"line {table.lines[i]} repeats line {table.lines[j]}" for i, j in exact]
        dropped = _count(len(exact), "row")
        repairs.append(f"dropped {dropped} repeating another exactly ({_listed(said)})")
        dropped = {i for i, _ in exact}
        table.keep(np.array([i for i in range(len(ids)) if i not in dropped], dtype=np.int64))
        ids = table.cells(column)
        repeats = _repeats(ids)
    if repeats:
        i, j = repeats[0]
        same = " (the rows are the same: repairing keeps one)" if (i, j) in exact else ""
        raise OrgFileError(
            f"{table.at(i)}: id '{ids[i]}' is also on line {table.lines[j]}; ids must be "
            f"unique{same}"
        )
    return ids


def _repeats(keys: Sequence[Any]) -> list[tuple[int, int]]:
    """(i, j) for each item i equal to an earlier one, j the first of them."""
    first: dict[Any, int] = {}
    pairs = []
    for i, key in enumerate(keys):
        j = first.setdefault(key, i)
        if j != i:
            pairs.append((i, j))
    return pairs


def _same_row(table: _Table, i: int, j: int) -> bool:
    return [c.strip() for c in table.rows[i]] == [c.strip() for c in table.rows[j]]


def _values(table: _Table, fields: dict[str, int]) -> dict[str, np.ndarray]:
    """The optional columns the file has, in file order: labels as they are, numbers
    checked against what each allows."""
    values = {name: _strings(table.cells(fields[name])) for name in LABELS if name in fields}
    comma = table.delimiter != ","
    for name in ("tenure", "safety", "punitiveness", "learning_rate"):
        if name in fields:
            cells = table.cells(fields[name])
            values[name] = _numbers(cells, NUMBERS[name], name, table.at, comma)
    return values


def _strings(cells: list[str]) -> np.ndarray:
    """Labels and ids as numpy holds them here: objects (the file's own strings, shared)."""
    array = np.empty(len(cells), dtype=object)
    array[:] = cells
    return array


def _manager_rows(
    table: _Table, column: int, ids: list[str], repair: bool, repairs: list[str]
) -> np.ndarray:
    """Each person's manager as a row of the file (-1 for the top), refused when a manager
    is not in the file, someone is their own manager, or not exactly one has no manager."""
    index = {v: i for i, v in enumerate(ids)}
    index[""] = -1  # the top's blank cell (no id is blank)
    cells = table.cells(column)
    manager = np.fromiter(map(index.get, cells, repeat(-2)), dtype=np.int64, count=len(ids))
    unknown = np.flatnonzero(manager == -2)
    if unknown.size:
        i = int(unknown[0])
        more = (
            f" ({unknown.size} people name a manager not in the file)" if unknown.size > 1 else ""
        )
        raise OrgFileError(
            f"{table.at(i)}: manager '{cells[i]}' of '{ids[i]}' is not in the file{more}"
        )
    _own_managers(table, column, ids, manager, repair, repairs)
    tops = np.flatnonzero(manager == -1)
    if tops.size > 1:
        said = _listed([str(table.lines[i]) for i in tops], "line")
        names = _listed([f"'{ids[i]}'" for i in tops])
        raise OrgFileError(
            f"{table.source}, {said}: {tops.size:,} people have no manager ({names}); an org "
            "chart has exactly one top"
        )
    if not tops.size:
        loop = _loop(manager, 0)
        raise OrgFileError(
            f"{table.source}: no top: every person has a manager, and the reporting lines "
            f"{_loop_text(ids, loop)} go round in a circle "
            f"({_listed([str(table.lines[r]) for r in sorted(loop)], 'line')}); leave the "
            "top's manager blank"
        )
    return manager


def _own_managers(
    table: _Table,
    column: int,
    ids: list[str],
    manager: np.ndarray,
    repair: bool,
    repairs: list[str],
) -> None:
    """Refuse people named as their own manager; ``repair`` makes one the top when there is
    no other (the one reading there is), blanking the cell in ``table``."""
    own = np.flatnonzero(manager == np.arange(len(ids)))
    if not own.size:
        return
    i = int(own[0])
    alone = own.size == 1 and not (manager == -1).any()
    if repair and alone:
        manager[i] = -1
        table.rows[i][column] = ""
        repairs.append(
            f"line {table.lines[i]}: '{ids[i]}' was their own manager; made them the top "
            "(no one else is)"
        )
        return
    more = f" ({own.size} people are)" if own.size > 1 else ""
    hint = " (repairing makes them the top: no one else is)" if alone else ""
    raise OrgFileError(
        f"{table.at(i)}: '{ids[i]}' is their own manager{more}; leave the top's manager blank{hint}"
    )


def _depths(table: _Table, ids: list[str], manager: np.ndarray) -> np.ndarray:
    """Each person's depth below the top, by pointer jumping (log2 N numpy passes, not a
    walk per person); refused when a chain of managers never reaches the top (a circle)."""
    n = len(ids)
    top = int(np.flatnonzero(manager == -1)[0])
    up = np.where(manager < 0, top, manager)  # the top is its own manager here
    depth = (np.arange(n) != top).astype(np.int64)
    for _ in range(n.bit_length()):  # after k passes, up is the 2**k-th manager above
        depth += depth[up]
        up = up[up]
    lost = np.flatnonzero(up != top)
    if lost.size:
        loop = _loop(manager, int(lost[0]))
        below = lost.size - len(loop)
        hang = "person hangs" if below == 1 else "people hang"
        more = f"; {below:,} more {hang} below it" if below else ""
        raise OrgFileError(
            f"{table.source}, {_listed([str(table.lines[r]) for r in sorted(loop)], 'line')}: "
            f"reporting lines go round in a circle: {_loop_text(ids, loop)}{more}; every "
            "chain of managers must reach the top"
        )
    return depth


def _loop(manager: np.ndarray, start: int) -> list[int]:
    """The rows around the circle that the chain of managers from ``start`` ends in, from
    the one first in the file."""
    seen: dict[int, int] = {}
    row = start
    while row not in seen:
        seen[row] = len(seen)
        row = int(manager[row])
    loop = list(seen)[seen[row] :]
    first = loop.index(min(loop))
    return loop[first:] + loop[:first]


def _loop_text(ids: list[str], loop: list[int]) -> str:
    """'a -> b -> c -> a' (a long circle shortened, with its length)."""
    names = [ids[r] for r in loop]
    if len(names) > 2 * SHOWN:
        names = [*names[:SHOWN], f"... ({len(loop):,} people)"]
    return " -> ".join([*names, ids[loop[0]]])


def _chart(
    table: _Table,
    ids: list[str],
    manager: np.ndarray,
    values: dict[str, np.ndarray],
    order: np.ndarray,
) -> OrgChart:
    """The chart with its rows in ``order`` and managers as rows of that order."""
    from commsim.model import NO_MANAGER, OrgChart

    position = np.empty(len(ids), dtype=np.int64)
    position[order] = np.arange(len(ids))
    above = manager[order]
    return OrgChart(
        source=table.source,
        sha256=table.sha256,
        ids=_strings(ids)[order],
        manager=np.where(above < 0, NO_MANAGER, position[np.maximum(above, 0)]),
        lines=np.array(table.lines, dtype=np.int64)[order],
        **{name: column[order] for name, column in values.items()},
    )


# --- collaboration networks ---------------------------------------------------------------


@dataclass
class _Ties:
    """A file's ties as given: both ends' ids, the weights, where each tie is."""

    source: str
    sha256: str
    a: list[str]
    b: list[str]
    weight: np.ndarray | None
    lines: list[int] | None  # a CSV file's lines; GraphML: the tie is named by its ends
    directed: bool = False

    @property
    def size(self) -> int:
        return len(self.a)

    def where(self, i: int) -> str:
        if self.lines is not None:
            return f"line {self.lines[i]}"
        return f"tie '{self.a[i]}' - '{self.b[i]}'"

    def at(self, i: int) -> str:
        return f"{self.source}, {self.where(i)}"

    def repeat(self, i: int, j: int) -> str:
        """Tie ``i`` given again after ``j``, as a message says it."""
        if self.lines is not None:
            return f"line {self.lines[i]} repeats line {self.lines[j]}"
        return f"'{self.a[i]}' - '{self.b[i]}'"

    def places(self, rows: Iterable[int]) -> str:
        """'lines 4, 9, 12' (CSV) or "ties 'a' - 'a', 'b' - 'b'" (GraphML)."""
        rows = list(rows)
        if self.lines is not None:
            return _listed([str(self.lines[i]) for i in rows], "line")
        return _listed([f"'{self.a[i]}' - '{self.b[i]}'" for i in rows], "tie")


def read_collaboration(
    path: PathLike, chart: OrgChart, *, source: str | None = None, repair: bool = False
) -> tuple[Collaboration, list[str]]:
    """Who works with whom among the people of ``chart``, checked, with one line per
    repair made.

    A CSV edge list (columns ``source`` and ``target``, or a/b, from/to, person1/person2;
    an optional ``weight`` above 0) or GraphML (``.graphml``: node ids are the chart's ids,
    an optional edge attribute ``weight``; a directed graph's a -> b and b -> a are one
    tie, their weights added). Ties are undirected; each pair comes out once, as chart rows
    (low, high) in order, and the weights are None when every tie weighs the same.
    ``repair`` drops self-ties and ties naming people not in the chart and merges a tie
    given twice into the first (weights added).
    """
    source = os.fspath(path) if source is None else source
    if Path(path).suffix.lower() == ".graphml":
        ties = _graphml_ties(path, source)
    else:
        ties = _csv_ties(path, source)
    return _collaboration(ties, chart, repair)


def _csv_ties(path: PathLike, source: str) -> _Ties:
    table = _read_table(path, source, "a collaboration file", "ties")
    fields, _ = _fields(table, TIE_FIELDS, ("source", "target"), "ties")
    if not table.rows:
        raise OrgFileError(
            f"{source}: no ties: the header (line {table.header_line}) is the only line"
        )
    weight = None
    if "weight" in fields:
        comma = table.delimiter != ","
        cells = table.cells(fields["weight"])
        weight = _numbers(cells, NUMBERS["weight"], "weight", table.at, comma)
    ends = [table.cells(fields[name]) for name in ("source", "target")]
    return _Ties(source, table.sha256, *ends, weight, table.lines)


def _graphml_ties(path: PathLike, source: str) -> _Ties:
    from xml.etree.ElementTree import ParseError

    import networkx as nx

    data = _read_bytes(path, source, "a GraphML file", "ties")
    if data.count(b"<edge") > MAX_ROWS:
        raise OrgFileError(f"{source}: over the {MAX_ROWS:,} ties commsim reads")
    try:
        graph = nx.read_graphml(io.BytesIO(data), node_type=str)
    except (ParseError, nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = " ".join(str(exc).split()) or type(exc).__name__
        raise OrgFileError(f"{source}: not valid GraphML ({problem})") from None
    edges = list(graph.edges(data=True))
    if not edges:
        raise OrgFileError(f"{source}: no ties: the graph has no edges")
    ends = [[str(e[k]).strip() for e in edges] for k in (0, 1)]
    ties = _Ties(source, hashlib.sha256(data).hexdigest(), *ends, None, None, graph.is_directed())
    given = [e[2].get("weight") for e in edges]
    if any(w is not None for w in given):
        cells = ["" if w is None else str(w).strip() for w in given]
        ties.weight = _numbers(cells, NUMBERS["weight"], "weight", ties.at, False)
    return ties


def _collaboration(ties: _Ties, chart: OrgChart, repair: bool) -> tuple[Collaboration, list[str]]:
    """The ties as chart rows: each pair once, (low, high), in order."""
    from commsim.model import Collaboration

    repairs: list[str] = []
    index = {v: i for i, v in enumerate(chart.ids.tolist())}
    a, b = (_chart_rows(ties, index, end) for end in ("source", "target"))
    keep = np.ones(ties.size, dtype=bool)
    outside = f"not in the org chart {chart.source}"
    _drop(
        ties,
        np.flatnonzero((a < 0) | (b < 0)),
        keep,
        repair,
        repairs,
        lambda i: f"'{ties.a[i] if a[i] < 0 else ties.b[i]}' is {outside}",
        f"tie naming people {outside}",
        f"ties naming people {outside}",
    )
    _drop(
        ties,
        np.flatnonzero(keep & (a == b)),
        keep,
        repair,
        repairs,
        lambda i: (
            f"a self-tie ('{ties.a[i]}' with '{ties.b[i]}'); a tie joins two different people"
        ),
        "self-tie",
    )
    rows = np.flatnonzero(keep)
    if not rows.size:
        raise OrgFileError(f"{ties.source}: no ties left once repaired")
    key = np.minimum(a[rows], b[rows]) * chart.n + np.maximum(a[rows], b[rows])
    pairs, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    _repeated(ties, rows, first[inverse], repair, repairs)
    weight = None
    if ties.weight is not None:
        weight = np.bincount(inverse, weights=ties.weight[rows], minlength=pairs.size)
        weight = None if np.all(weight == weight[0]) else weight
    edges = np.stack(np.divmod(pairs, chart.n), axis=1).astype(np.int64)
    return Collaboration(ties.source, ties.sha256, edges, weight), repairs


def _chart_rows(ties: _Ties, index: dict[str, int], end: str) -> np.ndarray:
    """Each tie's ``end`` as a chart row (``index``: row by id; -1: not in the chart); a
    blank id is refused."""
    ids = ties.a if end == "source" else ties.b
    if "" in ids:
        raise OrgFileError(f"{ties.at(ids.index(''))}: a blank {end}; a tie joins two people")
    return np.fromiter(map(index.get, ids, repeat(-1)), dtype=np.int64, count=len(ids))


def _drop(
    ties: _Ties,
    bad: np.ndarray,
    keep: np.ndarray,
    repair: bool,
    repairs: list[str],
    problem: Callable[[int], str],
    *what: str,
) -> None:
    """Ties that cannot be (``problem`` says why of one): an error, or with ``repair``
    dropped and said so (``what`` they are, one and many: "self-tie")."""
    if not bad.size:
        return
    if not repair:
        i = int(bad[0])
        raise OrgFileError(f"{ties.at(i)}: {problem(i)}")
    keep[bad] = False
    repairs.append(f"dropped {_count(bad.size, *what)} ({ties.places(bad)})")


def _count(k: int, one: str, many: str | None = None) -> str:
    """'1 self-tie', '3 self-ties'."""
    return f"{k:,} {one}" if k == 1 else f"{k:,} {many or one + 's'}"


def _repeated(
    ties: _Ties, rows: np.ndarray, first: np.ndarray, repair: bool, repairs: list[str]
) -> None:
    """Ties given twice, in either direction: an error, or with ``repair`` merged into the
    first (their weights added). In a directed graph, the first tie back (b -> a after
    a -> b) is the same tie read undirected: merged without a word."""
    again = np.flatnonzero(first != np.arange(rows.size))
    pairs: list[tuple[int, int]] = []
    answered: set[int] = set()
    for k in again.tolist():
        i, j = int(rows[k]), int(rows[first[k]])
        if ties.directed and ties.a[i] == ties.b[j] and j not in answered:
            answered.add(j)
        else:
            pairs.append((i, j))
    if not pairs:
        return
    if not repair:
        i, j = pairs[0]
        raise OrgFileError(
            f"{ties.at(i)}: the tie '{ties.a[i]}' - '{ties.b[i]}' is given twice "
            f"({ties.repeat(i, j)}); ties are undirected: give each pair once"
        )
    said = [ties.repeat(i, j) for i, j in pairs]
    added = ", weights added" if ties.weight is not None else ""
    repairs.append(f"merged {_count(len(pairs), 'tie')} given twice ({_listed(said)}){added}")


# --- writing files ----------------------------------------------------------------------


def _csv_text(
    header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",", bom: bool = False
) -> str:
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _numbers_text(values: np.ndarray) -> list[str]:
    """Numbers as a file keeps them: floats by ``repr`` (they read back bit-identical),
    NaN (not given) as a blank cell."""
    return ["" if v != v else repr(v) for v in values.astype(np.float64).tolist()]


def _tenure_text(tenure: np.ndarray) -> list[str]:
    return ["" if t < 0 else str(t) for t in tenure.tolist()]


def _ties_text(ids: Sequence[str], edges: np.ndarray, weight: np.ndarray | None) -> str:
    """Ties as a CSV edge list between ``ids`` (``source,target`` and any ``weight``)."""
    ends = [[ids[r] for r in edges[:, k].tolist()] for k in (0, 1)]
    if weight is None:
        return _csv_text(("source", "target"), zip(*ends, strict=True))
    return _csv_text(("source", "target", "weight"), zip(*ends, _numbers_text(weight), strict=True))


def check_new_files(*paths: PathLike | None) -> list[Path]:
    """Refuse, before any work, outputs that exist (commsim never overwrites a file it did
    not write), that name one file twice, or whose folder does not exist."""
    files = [Path(p) for p in paths if p is not None]
    for file in files:
        if not str(file).strip() or file.name in ("", ".", ".."):
            raise OrgFileError(f"'{file}': not a file name; name a new file")
        if file.exists() or file.is_symlink():
            raise OrgFileError(
                f"{file}: exists; commsim never overwrites a file it did not write (name a new one)"
            )
        if not file.parent.is_dir():
            raise OrgFileError(f"{file}: cannot write it, the folder {file.parent} does not exist")
    if len({f.resolve() for f in files}) < len(files):
        raise OrgFileError(f"{files[-1]}: named for two outputs; name two files")
    return files


def _write_new(files: list[tuple[Path, str]]) -> list[Path]:
    """Write each text to its new file, each whole or not at all (``outputs``); if one
    cannot be written, those written before it are removed: all or nothing."""
    check_new_files(*(path for path, _ in files))
    written: list[Path] = []
    try:
        for path, text in files:
            outputs.write_atomically(
                path,
                lambda tmp, text=text: tmp.write_text(text, encoding="utf-8", newline=""),
                replace=False,
            )
            written.append(path)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, FileExistsError):
            raise OrgFileError(f"{path}: appeared while commsim wrote it; not replaced") from None
        raise OrgFileError(f"{path}: cannot write it: {exc.strerror or exc}") from None
    return written


# --- a model's organisation as files ---------------------------------------------------------


def export_organisation(
    model: CommunityModel, chart_path: PathLike, ties_path: PathLike | None = None
) -> list[Path]:
    """Write a built model's organisation as an org chart CSV (and its ties as an edge
    list), so it can be read back, edited, or compared with a client's.

    Ids are ``m0``, ``m1``, ... by row; a team is those who share a manager (the team label
    is the manager's id); roles by name; traits as they are now, written to read back
    bit-identical; tenure the steps each member has been in. Reading the chart back gives
    the model's row order (its tree is top-down). Existing files are refused.
    """
    from commsim.model import NO_MANAGER, ROLE_NAMES

    check_new_files(chart_path, ties_path)
    state = model.state
    ids = [f"m{row}" for row in range(state.n)]
    managers = ["" if m == NO_MANAGER else ids[m] for m in state.manager.tolist()]
    columns = [
        ids,
        managers,
        managers,  # the team: those who share a manager
        [ROLE_NAMES[r] for r in state.role.tolist()],
        _numbers_text(state.punitiveness),
        _numbers_text(state.safety),
        _numbers_text(state.learning_rate),
        _tenure_text(int(model.steps) - state.joined),
    ]
    files = [(Path(chart_path), _csv_text(EXPORT_COLUMNS, zip(*columns, strict=True)))]
    if ties_path is not None:
        files.append((Path(ties_path), _ties_text(ids, model.ties.edges, None)))
    return _write_new(files)


# --- anonymising ------------------------------------------------------------------------------


def new_salt() -> str:
    """A fresh secret for ``anonymise``: 64 hex digits."""
    return secrets.token_hex(32)


def pseudonyms(
    values: Sequence[str], salt: str, prefix: str = "p", digits: int = 12, kind: str = ""
) -> list[str]:
    """``prefix`` + the first ``digits`` hex digits of HMAC-SHA256(salt, value): the same
    value, the same pseudonym under one salt, and no way back without it. ``kind``
    ("team", "unit") keeps a label's pseudonym from matching an id's; blanks stay blank."""
    key = salt.encode()
    mark = f"{kind}:" if kind else ""
    made = {
        v: prefix + hmac.new(key, (mark + v).encode(), hashlib.sha256).hexdigest()[:digits]
        for v in set(values)
        if v
    }
    if len(set(made.values())) < len(made):
        raise OrgFileError(
            f"two {kind or 'id'}s got one pseudonym under this salt; make a new salt"
        )
    return [made[v] if v else "" for v in values]


def check_salt(salt: str, where: str = "the salt") -> str:
    """A salt as given, refused when too short to keep the pseudonyms from being guessed."""
    salt = salt.strip()
    if len(salt) < MIN_SALT:
        raise OrgFileError(
            f"{where}: {len(salt)} characters; a salt has at least {MIN_SALT} (new_salt makes one "
            "of 64)"
        )
    return salt


@dataclass(frozen=True)
class Anonymised:
    """An org chart (and its ties) with every id and label replaced by a pseudonym, as the
    files' texts, with what was done in a few lines."""

    chart: str
    ties: str | None
    report: list[str]

    def write(self, out_path: PathLike, ties_out: PathLike | None = None) -> list[Path]:
        """Write the texts to new files (existing ones refused), whole or not at all."""
        _check_outputs(out_path, self.ties is not None, ties_out)
        files = [(Path(out_path), self.chart)]
        if self.ties is not None and ties_out is not None:
            files.append((Path(ties_out), self.ties))
        return _write_new(files)


def anonymised(chart_path: PathLike, salt: str, ties_path: PathLike | None = None) -> Anonymised:
    """An org chart ready to travel: ids, managers and tie ends by pseudonym (``p`` + 12 hex
    digits of HMAC-SHA256(salt, id)); team and unit labels too (``t``, ``u`` + 8); role
    labels, tenure and traits kept (the model reads them); every other column dropped.
    Rows in the chart's top-down order, so the copy runs as the original."""
    salt = check_salt(salt)
    org = read_org_file(chart_path)
    chart = org.chart
    ids = pseudonyms(chart.ids.tolist(), salt)
    made = {"id": ids, "manager": [ids[m] if m >= 0 else "" for m in chart.manager.tolist()]}
    for name, prefix in (("team", "t"), ("unit", "u")):
        labels = getattr(chart, name)
        if labels is not None:
            made[name] = pseudonyms(labels.tolist(), salt, prefix, 8, name)
    hidden = [name for name in ("team", "unit") if name in made]
    kept = [name for name in CHART_FIELDS if name in org.fields and name not in made]
    for name in kept:
        values = getattr(chart, name)
        made[name] = (
            values.tolist() if name in LABELS
            else _tenure_text(values) if name == "tenure"
            else _numbers_text(values)
        )  # fmt: skip
    columns = [name for name in CHART_FIELDS if name in made]
    text = _csv_text(columns, zip(*(made[c] for c in columns), strict=True))
    report = [
        f"{chart.n:,} people: ids and managers replaced by pseudonyms",
        *([f"{' and '.join(hidden)} labels replaced by pseudonyms"] if hidden else []),
        f"kept as they were: {', '.join(kept) or 'nothing else'}",
        f"columns dropped: {', '.join(org.ignored) or 'none'}",
    ]
    ties = None
    if ties_path is not None:
        collaboration, _ = read_collaboration(ties_path, chart)
        ties = _ties_text(ids, collaboration.edges, collaboration.weight)
        report.append(f"{collaboration.edges.shape[0]:,} ties: their ends replaced by pseudonyms")
    return Anonymised(text, ties, report)


def anonymise(
    chart_path: PathLike,
    out_path: PathLike,
    salt: str,
    ties_path: PathLike | None = None,
    ties_out: PathLike | None = None,
) -> list[str]:
    """Write an anonymised copy of an org chart (and its ties, as a CSV edge list whatever
    they were) to new files; returns what was done, a line each. See ``anonymised``."""
    _check_outputs(out_path, ties_path is not None, ties_out)
    result = anonymised(chart_path, salt, ties_path)
    result.write(out_path, ties_out)
    return result.report


def _check_outputs(out: PathLike, ties: bool, ties_out: PathLike | None) -> None:
    """Refuse, before any reading, outputs that exist, and ties without their output file."""
    check_new_files(out, ties_out)
    if ties != (ties_out is not None):
        raise OrgFileError("ties go with a ties output file (and a ties output with ties)")


def read_salt(path: PathLike) -> str:
    """The salt kept in a file (refused when unreadable or too short)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise OrgFileError(f"{path}: cannot read the salt: {problem or exc}") from None
    return check_salt(text, os.fspath(path))


def anonymise_with_salt_file(
    chart_path: PathLike,
    out_path: PathLike,
    salt_file: PathLike,
    ties_path: PathLike | None = None,
    ties_out: PathLike | None = None,
) -> tuple[list[str], bool]:
    """``anonymise`` with the salt kept in ``salt_file``: read when it exists, else made
    and written there (readable by its owner only) once the chart has been read and
    checked. Returns the report and whether the salt is new."""
    _check_outputs(out_path, ties_path is not None, ties_out)
    salt_path = Path(salt_file)
    made = not salt_path.exists()
    if made:
        check_new_files(salt_path)
    salt = new_salt() if made else read_salt(salt_path)
    result = anonymised(chart_path, salt, ties_path)
    if made:
        _write_salt(salt_path, salt)
    result.write(out_path, ties_out)
    return result.report, made


def _write_salt(path: Path, salt: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise OrgFileError(f"{path}: cannot write the salt: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(salt + "\n")


# --- checking a client's files ----------------------------------------------------------------


@dataclass(frozen=True)
class OrgCheck:
    """A checked org chart (and network), the repairs made and the files written."""

    org: OrgFile
    ties: Collaboration | None
    tie_repairs: list[str]
    written: list[Path]

    @property
    def repairs(self) -> list[str]:
        """Every repair, each naming its file."""
        said = [f"{self.org.chart.source}: {line}" for line in self.org.repairs]
        if self.ties is not None:
            said += [f"{self.ties.source}: {line}" for line in self.tie_repairs]
        return said

    def summary(self) -> list[str]:
        """What the files hold, in a few lines: people, levels, the top, teams, units,
        role labels, ignored columns; ties and mean degree."""
        chart = self.org.chart
        lines = [
            f"{chart.source}: {chart.n:,} people on {int(chart.level.max()) + 1} levels, "
            f"top '{chart.ids[0]}' (line {chart.lines[0]})",
            _teams(chart),
        ]
        if chart.unit is not None:
            lines.append(f"units: {_distinct(chart.unit)}")
        if chart.role is not None:
            lines.append(f"role labels: {_tally(chart.role)}")
        lines.append(f"ignored columns: {', '.join(self.org.ignored) or 'none'}")
        if self.ties is not None:
            ties = self.ties.edges.shape[0]
            weighted = ", weighted" if self.ties.weight is not None else ""
            lines.append(
                f"{self.ties.source}: {ties:,} ties, mean degree {2 * ties / chart.n:.2f}{weighted}"
            )
        return lines


def _distinct(labels: np.ndarray) -> str:
    """'14' or '14 (3 people without one)'."""
    blank = int((labels == "").sum())
    count = len(set(labels.tolist()) - {""})
    return f"{count:,}" + (f" ({_count(blank, 'person', 'people')} without one)" if blank else "")


def _teams(chart: OrgChart) -> str:
    if chart.team is not None:
        return f"teams: {_distinct(chart.team)}"
    managers = np.unique(chart.manager[chart.manager >= 0]).size
    return f"teams: {managers:,} (no team column: those who share a manager)"


def _tally(labels: np.ndarray, shown: int = 10) -> str:
    """'nurse 40, doctor 20, (blank) 5': the commonest labels first."""
    counts = Counter(labels.tolist()).most_common()
    said = [f"{label or '(blank)'} {count:,}" for label, count in counts[:shown]]
    more = f" and {len(counts) - shown} more" if len(counts) > shown else ""
    return ", ".join(said) + more


def check_org_files(
    chart_path: PathLike,
    ties_path: PathLike | None = None,
    *,
    repair: bool = False,
    out: PathLike | None = None,
    ties_out: PathLike | None = None,
) -> OrgCheck:
    """Read and check an org chart (and its network); with ``out``, write the chart as
    read (repaired, with ``repair``) in its own columns and delimiter, and with
    ``ties_out`` the network as a CSV edge list. Outputs are checked before any reading."""
    check_new_files(out, ties_out)
    if ties_out is not None and ties_path is None:
        raise OrgFileError(f"{ties_out}: a ties output needs a ties file to read")
    org = read_org_file(chart_path, repair=repair)
    ties, tie_repairs = None, []
    if ties_path is not None:
        ties, tie_repairs = read_collaboration(ties_path, org.chart, repair=repair)
    files = []
    if out is not None:
        table = org.table
        text = _csv_text(table.header, table.rows, table.delimiter, table.bom)
        files.append((Path(out), text))
    if ties_out is not None and ties is not None:
        files.append((Path(ties_out), _ties_text(org.chart.ids.tolist(), ties.edges, ties.weight)))
    return OrgCheck(org, ties, tie_repairs, _write_new(files))
