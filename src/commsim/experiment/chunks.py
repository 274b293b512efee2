"""A sweep's runs stored in chunks of many runs: appended to an open stream, closed into Parquet.

One file per run made a 270,000-run sweep 270,000 files (2 GB, a quarter of an hour to load).
Here each writing session appends the finished runs, the moment they come back, to an open
chunk: an Arrow IPC stream (``_chunk-<session>-<k>.arrows``; the underscore makes Arrow, pandas
and DuckDB, reading the folder as a dataset, pass it by), one record batch per ``flush`` (the
runs that came back together), flushed.
A kill at any moment leaves the stream's complete batches readable (a torn last batch is
ignored), so it loses only the runs in flight. A chunk that holds ``CHUNK_RUNS`` runs or
``CHUNK_ROWS`` rows, or whose session ends, is closed: written to Parquet
(``chunk-<session>-<k>.parquet``, atomically), then its stream removed. Where both exist (a
kill between the two), the Parquet file is the chunk. Nothing here knows what a run is:
``store.py`` decides that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from commsim import outputs

STREAM, CLOSED = ".arrows", ".parquet"
CHUNK = re.compile(r"chunk-(\d{3,})-(\d{5,})")  # chunk-<session>-<k>; an open one "_"-led
CHUNK_RUNS = 10_000  # runs in a chunk, at most
CHUNK_ROWS = 100_000  # rows in a chunk, a few tens of MB in memory when it is closed


def _chunk(name: str) -> re.Match[str] | None:
    if name.endswith(CLOSED):
        return CHUNK.fullmatch(name.removesuffix(CLOSED))
    if name.startswith("_") and name.endswith(STREAM):
        return CHUNK.fullmatch(name[1:].removesuffix(STREAM))
    return None


def is_chunk(name: str) -> bool:
    """A file name of ours: a chunk, open (stream) or closed (Parquet)."""
    return _chunk(name) is not None


def closed_twin(stream: Path) -> Path:
    """Where a stream is closed to."""
    return stream.with_name(stream.name[1:].removesuffix(STREAM) + CLOSED)


def chunks(folder: Path) -> tuple[list[Path], list[Path]]:
    """A folder's closed chunks, and its open streams without a closed twin, sorted."""
    if not folder.is_dir():
        return [], []
    found = sorted(p for p in folder.iterdir() if is_chunk(p.name))
    closed = [p for p in found if p.suffix == CLOSED]
    streams = [p for p in found if p.suffix == STREAM and not closed_twin(p).exists()]
    return closed, streams


def read_stream(path: Path) -> pa.Table | None:
    """The complete record batches of a stream (None when not even its schema was written).

    A stream cut off mid-batch (a kill, or a writer still appending) ends at its last whole
    batch: Arrow checks every message's length against the bytes there are.
    """
    try:
        with pa.OSFile(str(path)) as source:
            reader = ipc.open_stream(source)
            return pa.Table.from_batches(list(_whole_batches(reader)), reader.schema)
    except (pa.ArrowInvalid, OSError):  # no schema: created, then killed at once
        return None


def _whole_batches(reader: ipc.RecordBatchStreamReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowInvalid, OSError):  # a torn last batch
            return


def close_stream(stream: Path, keep: pa.compute.Expression | None = None) -> None:
    """Write a stream's whole batches to its Parquet twin (atomically), then remove it.

    ``keep`` filters the rows (a recovery drops what belongs to no finished run).
    """
    table = read_stream(stream)
    if table is not None and keep is not None:
        table = table.filter(keep)
    if table is not None and table.num_rows:
        closed = closed_twin(stream)
        outputs.write_atomically(closed, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    stream.unlink(missing_ok=True)


def recover(folder: Path, keep: pa.compute.Expression | None = None) -> None:
    """After a killed session: remove the streams already closed (killed before their
    removal) and close the others, their whole batches only (filtered by ``keep``)."""
    if not folder.is_dir():
        return
    for stream in sorted(folder.iterdir()):
        if stream.suffix == STREAM and is_chunk(stream.name) and closed_twin(stream).is_file():
            stream.unlink()
    for stream in chunks(folder)[1]:
        close_stream(stream, keep)


class ChunkWriter:
    """Appends runs to a folder's open chunk; ``close_if_full`` closes it.

    The runs of one ``flush`` are one record batch (so a torn write loses them whole: a
    sweep flushes at the end of each batch of runs that came back together, so a kill loses
    at most the runs in flight) of the schema the chunk began with; a run whose columns or
    types differ starts a new chunk.
    """

    def __init__(self, folder: Path, session: int, metadata: dict[bytes, bytes]) -> None:
        self.folder, self.session, self.metadata = folder, session, metadata
        taken = [_chunk(p.name) for p in folder.iterdir()]
        used = [int(m.group(2)) for m in taken if m and int(m.group(1)) == session]
        self._next = max(used, default=-1) + 1
        self._file: BinaryIO | None = None
        self._writer: ipc.RecordBatchStreamWriter | None = None
        self._schema: pa.Schema | None = None
        self._pending: list[pa.Table] = []  # runs appended without a flush, not yet written
        self._runs = self._rows = 0

    def takes(self, schema: pa.Schema) -> bool:
        """Whether a run of ``schema`` goes into the open chunk (none open: any does)."""
        return self._schema is None or schema.equals(self._schema)

    def append(self, table: pa.Table, flush: bool = True) -> None:
        """Store one run's rows (nothing for a run without any); without ``flush`` they wait
        for the next one, to be written with the runs before them as one record batch."""
        if table.num_rows:
            if not self.takes(table.schema):
                self.close()
            if self._writer is None:
                self._open(table.schema)
            self._pending.append(table)
            self._runs += 1
            self._rows += table.num_rows
        if flush:
            self.flush()

    def flush(self) -> None:
        """Write the waiting runs as one record batch (so a torn write loses them whole), in
        the operating system's hands: a kill cannot lose them."""
        if not self._pending:
            return
        assert self._writer is not None and self._file is not None
        whole = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._writer.write_batch(whole.combine_chunks().to_batches()[0])
        self._file.flush()
        self._pending = []

    def close_if_full(self) -> None:
        """Close the open chunk once it holds ``CHUNK_RUNS`` runs or ``CHUNK_ROWS`` rows."""
        if self._runs >= CHUNK_RUNS or self._rows >= CHUNK_ROWS:
            self.close()

    def _open(self, schema: pa.Schema) -> None:
        name = f"_chunk-{self.session:03d}-{self._next:05d}{STREAM}"
        self._next += 1
        self._schema = schema
        self._file = (self.folder / name).open("xb")
        metadata = {**(schema.metadata or {}), **self.metadata}  # pandas' own, and ours
        self._writer = ipc.new_stream(self._file, schema.with_metadata(metadata))

    def close(self) -> None:
        """Close the open chunk into Parquet, its waiting runs written first (no-op when none
        is open)."""
        if self._writer is None or self._file is None:
            return
        self.flush()
        self._writer.close()
        self._file.close()
        stream = Path(self._file.name)
        self._writer = self._file = self._schema = None
        self._runs = self._rows = 0
        close_stream(stream)
