"""The insight ledger: the lifecycle of every insight, as a cheap columnar event log.

An insight (who, which dimension, which value, when) is generated in practice, then voiced
or suppressed, verified or refuted, codified into the organisational code, and finally
diffused through the members -- or lost on the way (punished, walled off, expired, left
with its holder). Insights still in flight sit in an active pool of parallel arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EVENTS = (
    "generated",  # a member met reality and learned something that differs from their belief
    "voiced",  # spoken up to the manager (or the hero leader) and appreciated
    "punished",  # spoken up, and punished for it: the insight dies there
    "suppressed",  # never voiced within insight_ttl steps
    "walled",  # stopped at the wall between roles on its way to research
    "expired",  # waited in the verification queue longer than insight_ttl
    "lost",  # its holder left the organisation before voicing it
    "verified",  # research confirmed it against reality
    "refuted",  # research found it wrong
    "codified",  # written into the organisational code
    "diffused",  # held by diffusion_threshold of the members (value of `member` = adopters)
    "superseded",  # the code on its dimension changed again
)
EVENT_CODE = {name: i for i, name in enumerate(EVENTS)}

AWAITING_VOICE, AWAITING_VERIFICATION = 0, 1
POOL_COLUMNS = ("id", "holder", "dim", "value", "stage", "since", "verifier")


def _int64(column: np.ndarray | int) -> np.ndarray | int:
    """A chunk's column: an int as it is, an array copied as int64."""
    return column if type(column) is int else np.array(column, dtype=np.int64)


class _Chunks:
    """An append-only table kept as the list of the arrays appended, joined when read.

    A step appends a handful of small arrays (one per event kind), so appending must cost
    next to nothing; a column is concatenated only when someone reads it (the frames at
    the end of a run). An int stands for a whole chunk's column.
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._chunks: list[tuple[int, tuple[np.ndarray | int, ...]]] = []
        self.size = 0

    def append(self, size: int, *cols: np.ndarray | int) -> None:
        """Append ``size`` rows; ``cols`` in the order of the names, arrays or ints.

        Arrays are copied (as int64), so a caller may pass a view of state it later changes;
        an int is kept as it is and stands for the whole chunk's column.
        """
        if size:
            self.add(size, tuple(map(_int64, cols)))

    def add(self, size: int, cols: tuple[np.ndarray | int, ...]) -> None:
        """``append`` for columns already made (int64 copies, or ints): a step logs about
        ten times, so ``log`` makes its four itself."""
        self._chunks.append((size, cols))
        self.size += size

    def recent(self, since: int) -> list[tuple[np.ndarray, ...]]:
        """The chunks appended since the table had ``since`` rows, as full-length columns."""
        out, size = [], self.size
        for n, cols in reversed(self._chunks):
            if size <= since:
                break
            size -= n
            # np.full, not broadcast_to: its cost (tens of microseconds) dominates a step's
            # few short chunks
            out.append(tuple(np.full(n, c) if type(c) is int or not c.ndim else c for c in cols))
        return out[::-1]

    def column(self, name: str) -> np.ndarray:
        """One column, joined (a new array on every call)."""
        k = self._names.index(name)
        parts = [np.broadcast_to(cols[k], n) for n, cols in self._chunks]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)


class InsightLedger:
    """Every insight's record, its event log, and the pool of insights still in flight.

    The pool is one int64 array, a row per column of ``POOL_COLUMNS``, over-allocated so
    that adding insights seldom reallocates; ``pool_<column>`` are views of its live part,
    so phases read and write the pool in place.
    """

    def __init__(self) -> None:
        self.records = _Chunks(("insight", "member", "dim", "value", "born"))
        self.events = _Chunks(("insight", "step", "event", "member"))
        self._pool = np.empty((len(POOL_COLUMNS), 1024), dtype=np.int64)
        self._live = 0

    @property
    def count(self) -> int:
        return self.records.size

    # the pool's columns: views of its live part
    pool_id = property(lambda self: self._pool[0, : self._live])
    pool_holder = property(lambda self: self._pool[1, : self._live])
    pool_dim = property(lambda self: self._pool[2, : self._live])
    pool_value = property(lambda self: self._pool[3, : self._live])
    pool_stage = property(lambda self: self._pool[4, : self._live])
    pool_since = property(lambda self: self._pool[5, : self._live])  # step it entered its stage
    pool_verifier = property(lambda self: self._pool[6, : self._live])  # -1 until queued

    @property
    def pool_size(self) -> int:
        return self._live

    @property
    def pool(self) -> np.ndarray:
        """The live pool as one (len(POOL_COLUMNS), size) view, rows as in POOL_COLUMNS."""
        return self._pool[:, : self._live]

    def generate(
        self,
        step: int,
        members: np.ndarray,
        dims: np.ndarray,
        values: np.ndarray,
        stage: int | None,
    ) -> np.ndarray:
        """Record new insights; unless ``stage`` is None they join the pool at that stage."""
        k = members.shape[0]
        ids = np.arange(self.count, self.count + k, dtype=np.int64)
        self.records.append(k, ids, members, dims, values, step)
        self.log(step, "generated", ids, members)
        if stage is not None and k:
            self._grow(self._live + k)
            new = self._pool[:, self._live : self._live + k]
            new[0], new[1], new[2], new[3] = ids, members, dims, values
            new[4], new[5], new[6] = stage, step, -1
            self._live += k
        return ids

    def _grow(self, size: int) -> None:
        if size > self._pool.shape[1]:
            grown = np.empty((len(POOL_COLUMNS), 2 * size), dtype=np.int64)
            grown[:, : self._live] = self._pool[:, : self._live]
            self._pool = grown

    def log(self, step: int, event: str, ids: np.ndarray, members: np.ndarray | int = -1) -> None:
        if size := ids.shape[0]:
            self.events.add(size, (_int64(ids), step, EVENT_CODE[event], _int64(members)))

    def keep(self, mask: np.ndarray) -> None:
        """Drop from the pool every entry where ``mask`` is False."""
        kept = self._pool[:, : self._live][:, mask]
        self._live = kept.shape[1]
        self._pool[:, : self._live] = kept

    def keep_first(self, size: int) -> None:
        """Keep the pool's first ``size`` entries: what a compiled phase that compacted the
        pool in place (``fused``) leaves; as ``keep`` would, without its fancy indexing."""
        self._live = size

    def drop(self, rows: np.ndarray) -> None:
        """Drop the given pool rows."""
        if rows.size:
            mask = np.ones(self._live, dtype=bool)
            mask[rows] = False
            self.keep(mask)

    def links_since(self, since: int, event: str) -> tuple[np.ndarray, np.ndarray]:
        """Holders and members of the ``event`` events logged after the log had ``since`` rows.

        Reads only the newest chunks, so a live view can ask every step at no cost that grows
        with the run (the app draws each step's voiced and suppressed insights this way).
        """
        chunks = [c for c in self.events.recent(since) if c[2][0] == EVENT_CODE[event]]
        if not chunks:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        ids = np.concatenate([c[0] for c in chunks])
        members = np.concatenate([c[3] for c in chunks])
        holders = np.empty_like(ids)
        # records hold one row per insight, in id order: each chunk's ids are contiguous
        for rec_ids, rec_members, *_ in self.records.recent(int(ids.min())):
            hit = (ids >= rec_ids[0]) & (ids <= rec_ids[-1])
            holders[hit] = rec_members[ids[hit] - rec_ids[0]]
        return holders, members

    def frame(self) -> pd.DataFrame:
        """The event log joined with each insight's record: one row per event."""
        ids = self.events.column("insight")
        rec = self.records
        return pd.DataFrame(
            {
                "insight": ids,
                "step": self.events.column("step"),
                "event": pd.Categorical.from_codes(self.events.column("event"), EVENTS),
                "member": self.events.column("member"),
                "holder": rec.column("member")[ids],
                "dim": rec.column("dim")[ids],
                "value": rec.column("value")[ids].astype(np.int8),
                "born": rec.column("born")[ids],
            }
        )
