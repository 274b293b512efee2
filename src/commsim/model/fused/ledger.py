"""The insight ledger written from compiled code: what ``InsightLedger.log`` and ``generate``
(and ``OrgMemory.record``) write, row by row, into the arrays they keep
(``_Columns.reserve``, ``reserve_pool``); and the loops of ``memory.diffuse``, which log.

A step logs about ten runs of events; from Python each log is a few microseconds of slicing
and copying, more than the compiled phase that decided them. A stand-in that logs here
writes its rows where the ledger would, in the order the phase logs them, and the ledger
then only counts them in (``extend``, ``extend_pool``).
"""

from __future__ import annotations

import numba
import numpy as np

from commsim.model.insights import EVENT_CODE, EVENT_COLUMNS, POOL_COLUMNS, RECORD_COLUMNS

# the columns' rows, as the ledger orders them
_INSIGHT, _STEP, _EVENT, _MEMBER = map(EVENT_COLUMNS.index, ("insight", "step", "event", "member"))
_R_ID, _R_MEMBER, _R_DIM, _R_VALUE, _R_BORN = map(
    RECORD_COLUMNS.index, ("insight", "member", "dim", "value", "born")
)
_P_ID, _P_HOLDER, _P_DIM, _P_VALUE, _P_STAGE, _P_SINCE, _P_VERIFIER = map(
    POOL_COLUMNS.index, ("id", "holder", "dim", "value", "stage", "since", "verifier")
)
GENERATED, SUPERSEDED, CODIFIED, DIFFUSED = (
    EVENT_CODE[e] for e in ("generated", "superseded", "codified", "diffused")
)


@numba.njit(cache=True, nogil=True, inline="always")
def put_event(events: np.ndarray, row: int, insight: int, step: int, event: int, member: int):
    """Event ``row`` of the log (``InsightLedger.log`` writes the same four values)."""
    events[_INSIGHT, row] = insight
    events[_STEP, row] = step
    events[_EVENT, row] = event
    events[_MEMBER, row] = member


@numba.njit(cache=True, nogil=True)
def generate(
    records: np.ndarray,
    events: np.ndarray,
    pool: np.ndarray,
    count: int,
    logged: int,
    live: int,
    step: int,
    stage: int,
    members: np.ndarray,
    dims: np.ndarray,
    values: np.ndarray,
) -> None:
    """``InsightLedger.generate`` for the arrays' next rows: records from row ``count`` (the
    ids), events from ``logged``, and, unless ``stage`` is -1, the pool from ``live``."""
    for j in range(members.shape[0]):
        insight = count + j
        records[_R_ID, insight] = insight
        records[_R_MEMBER, insight] = members[j]
        records[_R_DIM, insight] = dims[j]
        records[_R_VALUE, insight] = values[j]
        records[_R_BORN, insight] = step
        put_event(events, logged + j, insight, step, GENERATED, members[j])
        if stage >= 0:
            row = live + j
            pool[_P_ID, row] = insight
            pool[_P_HOLDER, row] = members[j]
            pool[_P_DIM, row] = dims[j]
            pool[_P_VALUE, row] = values[j]
            pool[_P_STAGE, row] = stage
            pool[_P_SINCE, row] = step
            pool[_P_VERIFIER, row] = -1


@numba.njit(cache=True, nogil=True)
def codify(
    source: np.ndarray,
    diffused: np.ndarray,
    codified_at: np.ndarray,
    events: np.ndarray,
    row: int,
    step: int,
    ids: np.ndarray,
    verifiers: np.ndarray,
    dims: np.ndarray,
) -> int:
    """Insights ``ids`` codified on ``dims`` (distinct), by ``verifiers``: the memory's
    arrays (``OrgMemory``'s ``source``, ``diffused``, ``codified_at``) and the log from event
    ``row`` on as ``OrgMemory.record`` and then the ``codified`` log write them (the
    superseded first, in ``dims``' order). Returns the next free row."""
    for j in range(dims.shape[0]):
        old = source[dims[j]]
        if old >= 0:
            put_event(events, row, old, step, SUPERSEDED, -1)
            row += 1
    for j in range(dims.shape[0]):
        source[dims[j]], diffused[dims[j]], codified_at[dims[j]] = ids[j], False, step
    for j in range(dims.shape[0]):
        put_event(events, row, ids[j], step, CODIFIED, verifiers[j])
        row += 1
    return row


@numba.njit(cache=True, nogil=True)
def diffuse(
    dims: np.ndarray,
    reach: np.ndarray,
    n: int,
    step: int,
    source: np.ndarray,
    diffused: np.ndarray,
    codified_at: np.ndarray,
    events: np.ndarray,
    row: int,
) -> np.ndarray:
    """The loops of ``memory.diffuse`` (its compiled form, named there)."""
    times = np.empty(dims.shape[0], np.int64)
    for j in range(dims.shape[0]):
        d = dims[j]
        diffused[d] = True
        times[j] = step - codified_at[d]
        put_event(events, row + j, source[d], step, DIFFUSED, np.int64(np.round(reach[j] * n)))
    return times
