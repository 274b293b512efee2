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


class _Columns:
    """Growable parallel int64 columns (amortised O(1) appends of whole arrays)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._data = {k: np.empty(1024, dtype=np.int64) for k in names}
        self.size = 0

    def append(self, **cols: np.ndarray | int) -> None:
        k = min((np.size(v) for v in cols.values() if np.ndim(v) > 0), default=1)
        if k == 0:
            return
        if self.size + k > self._data[self._names[0]].shape[0]:
            cap = max(2 * (self.size + k), 1024)
            for name, arr in self._data.items():
                grown = np.empty(cap, dtype=np.int64)
                grown[: self.size] = arr[: self.size]
                self._data[name] = grown
        for name in self._names:
            self._data[name][self.size : self.size + k] = cols[name]
        self.size += k

    def column(self, name: str) -> np.ndarray:
        return self._data[name][: self.size]


class InsightLedger:
    """Every insight's record, its event log, and the pool of insights still in flight."""

    def __init__(self) -> None:
        self.records = _Columns(("insight", "member", "dim", "value", "born"))
        self.events = _Columns(("insight", "step", "event", "member"))
        # the active pool, one entry per insight still in flight
        self.pool_id = np.empty(0, dtype=np.int64)
        self.pool_holder = np.empty(0, dtype=np.int64)
        self.pool_dim = np.empty(0, dtype=np.int64)
        self.pool_value = np.empty(0, dtype=np.int8)
        self.pool_stage = np.empty(0, dtype=np.int8)
        self.pool_since = np.empty(0, dtype=np.int64)  # step it entered its current stage
        self.pool_verifier = np.empty(0, dtype=np.int64)  # -1 until it is queued with one

    @property
    def count(self) -> int:
        return self.records.size

    def generate(
        self,
        step: int,
        members: np.ndarray,
        dims: np.ndarray,
        values: np.ndarray,
        stage: int | None,
    ) -> np.ndarray:
        """Record new insights; unless ``stage`` is None they join the pool at that stage."""
        ids = np.arange(self.count, self.count + members.shape[0], dtype=np.int64)
        self.records.append(insight=ids, member=members, dim=dims, value=values, born=step)
        self.log(step, "generated", ids, members)
        if stage is not None:
            k = ids.shape[0]
            self._extend(
                id=ids,
                holder=members,
                dim=dims,
                value=values.astype(np.int8),
                stage=np.full(k, stage, np.int8),
                since=np.full(k, step, np.int64),
                verifier=np.full(k, -1, np.int64),
            )
        return ids

    def _extend(self, **cols: np.ndarray) -> None:
        for name in POOL_COLUMNS:
            attr = f"pool_{name}"
            setattr(self, attr, np.concatenate([getattr(self, attr), cols[name]]))

    def log(self, step: int, event: str, ids: np.ndarray, members: np.ndarray | int = -1) -> None:
        self.events.append(insight=ids, step=step, event=EVENT_CODE[event], member=members)

    def keep(self, mask: np.ndarray) -> None:
        """Drop from the pool every entry where ``mask`` is False."""
        for name in POOL_COLUMNS:
            attr = f"pool_{name}"
            setattr(self, attr, getattr(self, attr)[mask])

    def drop(self, rows: np.ndarray) -> None:
        """Drop the given pool rows."""
        mask = np.ones(self.pool_id.size, dtype=bool)
        mask[rows] = False
        self.keep(mask)

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
