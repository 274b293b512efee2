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
#: an insight's record (its row is its id) and a lifecycle event, as the ledger keeps them
RECORD_COLUMNS = ("insight", "member", "dim", "value", "born")
EVENT_COLUMNS = ("insight", "step", "event", "member")


class _Columns:
    """An append-only table of int64 columns, held in one over-allocated array.

    A step appends a handful of short runs of rows (one per event kind), so appending must
    cost next to nothing: a row range is written in place, and a compiled phase may write
    rows itself (``reserve``, then ``extend``). Reading a column is a slice, not a join.
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._data = np.empty((len(names), 256), dtype=np.int64)
        self.size = 0

    def reserve(self, rows: int) -> np.ndarray:
        """The whole array, grown if need be to hold ``rows`` more rows after ``size``: a
        compiled phase writes them from column ``size`` on, then calls ``extend``."""
        need = self.size + rows
        if need > self._data.shape[1]:
            grown = np.empty((len(self._names), max(need, 2 * self._data.shape[1])), np.int64)
            grown[:, : self.size] = self._data[:, : self.size]
            self._data = grown
        return self._data

    def extend(self, rows: int) -> None:
        """``rows`` rows written after ``size`` (in the array ``reserve`` returned) join."""
        self.size += rows

    def append(self, size: int, *cols: np.ndarray | int) -> None:
        """Append ``size`` rows; ``cols`` in the order of the names, arrays or ints (an int
        fills its column). Values are copied, so a caller may pass a view of state."""
        if size:
            data, start = self.reserve(size), self.size
            for row, col in zip(data, cols, strict=True):
                row[start : start + size] = col
            self.size += size

    def recent(self, since: int) -> np.ndarray:
        """The rows appended since the table had ``since`` rows: a (columns, rows) view."""
        return self._data[:, since : self.size]

    def column(self, name: str) -> np.ndarray:
        """One column (a copy)."""
        return self._data[self._names.index(name), : self.size].copy()


class InsightLedger:
    """Every insight's record, its event log, and the pool of insights still in flight.

    The pool is one int64 array, a row per column of ``POOL_COLUMNS``, over-allocated so
    that adding insights seldom reallocates; ``pool_<column>`` are views of its live part,
    so phases read and write the pool in place.
    """

    def __init__(self) -> None:
        self.records = _Columns(RECORD_COLUMNS)
        self.events = _Columns(EVENT_COLUMNS)
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
            new = self.reserve_pool(k)[:, self._live : self._live + k]
            new[0], new[1], new[2], new[3] = ids, members, dims, values
            new[4], new[5], new[6] = stage, step, -1
            self._live += k
        return ids

    def reserve_pool(self, rows: int) -> np.ndarray:
        """The pool's whole array, grown if need be to hold ``rows`` more entries after its
        live ones: a compiled phase writes them there, then calls ``extend_pool``."""
        size = self._live + rows
        if size > self._pool.shape[1]:
            grown = np.empty((len(POOL_COLUMNS), 2 * size), dtype=np.int64)
            grown[:, : self._live] = self._pool[:, : self._live]
            self._pool = grown
        return self._pool

    def extend_pool(self, rows: int) -> None:
        """``rows`` entries written after the live ones (``reserve_pool``) join the pool."""
        self._live += rows

    def log(self, step: int, event: str, ids: np.ndarray, members: np.ndarray | int = -1) -> None:
        self.events.append(ids.shape[0], ids, step, EVENT_CODE[event], members)

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

    def since(self, since: int, event: str) -> tuple[np.ndarray, np.ndarray]:
        """Insight ids and members of the ``event`` events logged after the log had ``since``
        rows, in the order logged. Reads only the newest rows, so a live view or a phase can
        ask every step at no cost that grows with the run."""
        ids, _, events, members = self.events.recent(since)
        hit = events == EVENT_CODE[event]
        return ids[hit], members[hit]

    def links_since(self, since: int, event: str) -> tuple[np.ndarray, np.ndarray]:
        """Holders and members of the ``event`` events logged after the log had ``since`` rows
        (the app draws each step's voiced and suppressed insights this way)."""
        ids, members = self.since(since, event)
        return self.records.recent(0)[1, ids], members  # a record's row is its insight's id

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
