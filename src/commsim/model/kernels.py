"""Compiled loops for the hot spots of a step, each with an exact NumPy twin.

Which loops, and why (docs/PERFORMANCE.md has the profiles):

* ``act``, ``socialise`` and ``tally`` sweep the whole N x m belief matrix every step
  (coins and performance; a trial on every belief that differs from the code; each
  member's knowledge and each dimension's +1/-1 counts for the metrics). In NumPy each is
  a chain of whole-matrix temporaries; compiled, each is one vectorised pass.
* ``bernoulli_rows`` (who explores, copies a peer, coaches, leaves), ``voice`` (every
  insight's attempt to speak up) and ``approach_rows`` (safety and learning-rate updates)
  replace dozens of small NumPy calls whose fixed cost dominates a step at N = 10,000;
  ``member_sums`` does the metrics' three group-by sums in one pass.

**Same results with or without numba.** Every kernel is a pure function of its arguments,
random numbers included, and its NumPy twin (the ``def`` that ``@kernel(loops)`` decorates,
whose signature and docstring a call shows) computes the same thing: where a floating-point
result is kept, with the same operations in the same order; where numbers are compared,
with comparisons that are exactly equivalent (``below``). So the compiled loops and the
twins give bit-identical runs for a seed (``tests/test_kernels.py`` checks each kernel and
whole runs).

**Random numbers: counter-based streams.** A uniform from NumPy's generator costs about
2 ns, more than the rest of a belief's work, and it must be drawn in order. So each kernel
call takes one 64-bit *key* from ``model.rng`` (``draw_key``) and number k of its stream
is a pure function of (key, k): SplitMix64's output function applied to
``key + (k + 1) * GAMMA``, i.e. the (k + 1)-th output of a SplitMix64 generator seeded
with the key (Steele, Lea & Flood 2014; it passes BigCrush). Any element's number can be
computed on its own, in any order, in a vector register; the twins compute exactly the
numbers they need with ``splitmix64``. The loops inline the same four lines (numba cannot
call an uncompiled helper); the tests check them against ``splitmix64``.

* A *trial* with probability p succeeds when the top 32 bits u of its number satisfy
  ``u < p * 2**32``: probability p to within 2**-32.
* *Coins* (``act``) take one number per 64 members and dimension: the coin of member i on
  dimension d is bit i % 64 of number ``d * coin_words(n) + i // 64`` (1: +1, 0: -1).

**Layout.** The belief matrix (N, m) is kept in Fortran order (``state.random_beliefs``):
each dimension's column is contiguous, so the loops run down long contiguous columns, and
belief k = d * n + i is the k-th byte in memory.

numba is optional. Without it, or with ``COMMSIM_NO_NUMBA=1`` in the environment, the
twins run. numba is imported, and each loop compiled (cached on disk), on a kernel's first
call, so importing the model costs nothing extra.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from commsim.model.insights import AWAITING_VOICE

NO_NUMBA_ENV = "COMMSIM_NO_NUMBA"

#: True when the numba loops run: numba is installed and ``COMMSIM_NO_NUMBA`` is unset or 0
HAVE_NUMBA = importlib.util.find_spec("numba") is not None and os.environ.get(
    NO_NUMBA_ENV, ""
).strip() in ("", "0")

# SplitMix64's increment and output-mixing constants
GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = (np.uint64(s) for s in (27, 30, 31, 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO32 = 2.0**32  # a trial with probability p: u < p * 2**32, u the number's top 32 bits
_BLOCK = 1 << 17  # beliefs a NumPy twin handles at once


def draw_key(rng: np.random.Generator) -> np.uint64:
    """One 64-bit key from the model's generator: it seeds one kernel call's stream."""
    return np.uint64(rng.bit_generator.random_raw())


def splitmix64(key: np.uint64, index: np.ndarray) -> np.ndarray:
    """Numbers ``index`` of the stream ``key`` (NumPy; the loops inline the same lines)."""
    z = index.astype(np.uint64)
    z += np.uint64(1)
    z *= GAMMA
    z += key
    shifted = z >> _S30
    z ^= shifted
    z *= MIX1
    z ^= np.right_shift(z, _S27, out=shifted)
    z *= MIX2
    z ^= np.right_shift(z, _S31, out=shifted)
    return z


def below(p: np.ndarray) -> np.ndarray:
    """Cut-offs for the top 32 bits u of a number: ``u < below(p)`` exactly when
    ``u < p * 2**32``, the loops' test (u is an integer, so compare with the ceiling)."""
    return np.ceil(np.maximum(p, 0.0) * _TWO32).astype(np.uint64)


def coin_words(n: int) -> int:
    """Numbers per dimension that ``act``'s coins take: one bit per member."""
    return -(-n // 64)


def score_numpy(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """Dimensions right minus wrong, per row (zeros count for nothing)."""
    # a float32 BLAS product is exact here: every partial sum is an integer below 2**24
    return (beliefs.astype(np.float32) @ reality.astype(np.float32)).astype(np.int64)


# --- the wrapper: numba's loops or the NumPy twin, behind the twin's signature ---------


class Kernel[**P, R]:
    """One kernel: its numba-compiled loops when ``HAVE_NUMBA``, its NumPy twin otherwise.

    Made by ``@kernel(loops)`` on the twin, whose name, signature, annotations and docstring
    it takes (``functools.update_wrapper``): a call to the kernel reads, type-checks and
    jumps (in an IDE) as a call to the twin's ``def``. The loops are compiled on the first
    call; ``compiled()`` and ``twin`` stay reachable so that tests run both on one input.
    """

    def __init__(self, loops: Callable[..., Any], twin: Callable[P, R]) -> None:
        self.loops = loops
        self.twin = twin
        self._compiled: Callable[P, R] | None = None
        self._run: Callable[P, R] | None = None
        functools.update_wrapper(self, twin)

    def compiled(self) -> Callable[P, R]:
        """The loops compiled by numba (cached on disk next to their module)."""
        if self._compiled is None:
            import numba

            self._compiled = numba.njit(cache=True, nogil=True)(self.loops)
        return self._compiled

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._run is None:
            self._run = self.compiled() if HAVE_NUMBA else self.twin
        return self._run(*args, **kwargs)


def kernel[**P, R](loops: Callable[..., Any]) -> Callable[[Callable[P, R]], Kernel[P, R]]:
    """Decorate a NumPy twin: the kernel runs ``loops`` compiled by numba, else the twin.

    ``loops`` must compute exactly what the twin does (``tests/test_kernels.py``).
    """

    def wrap(twin: Callable[P, R]) -> Kernel[P, R]:
        return Kernel(loops, twin)

    return wrap


# --- act: a coin where a belief is undecided, performance = actions . reality -----------


def _act_loops(
    beliefs: np.ndarray, reality: np.ndarray, key: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    n, m = beliefs.shape
    words = -(-n // 64)  # coin_words(n)
    actions = np.empty((m, n), np.int8).T  # Fortran order, as the beliefs
    performance = np.zeros(n, np.int64)
    one = np.uint64(1)
    for d in range(m):
        column, out, r = beliefs[:, d], actions[:, d], np.int64(reality[d])
        for word in range(words):
            z = np.uint64(d * words + word + 1) * GAMMA + key  # splitmix64, inline
            z = (z ^ (z >> _S30)) * MIX1
            z = (z ^ (z >> _S27)) * MIX2
            z = z ^ (z >> _S31)
            start = word * 64
            for bit in range(min(64, n - start)):
                b = column[start + bit]
                coin = np.int8((z >> np.uint64(bit)) & one) * np.int8(2) - np.int8(1)
                a = b if b != 0 else coin
                out[start + bit] = a
                performance[start + bit] += np.int64(a) * r
    return actions, performance


@kernel(_act_loops)
def act(beliefs: np.ndarray, reality: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """Actions (the belief, a coin where it is 0; Fortran order) and performance."""
    n, m = beliefs.shape
    words = coin_words(n)
    numbers = splitmix64(key, np.arange(m * words)).astype("<u8", copy=False)
    bits = np.unpackbits(numbers.view(np.uint8).reshape(m, 8 * words), axis=1, bitorder="little")
    heads = bits[:, :n].view(np.int8).T  # (n, m): the coin of member i on dimension d
    actions = np.where(beliefs == 0, heads * np.int8(2) - np.int8(1), beliefs)
    return np.asfortranarray(actions), score_numpy(actions, reality)


# --- socialise: a trial on every belief that differs from a code holding a view ---------


def _socialise_loops(
    beliefs: np.ndarray,
    code: np.ndarray,
    rate: np.ndarray,
    learning_rate: np.ndarray,
    role: np.ndarray,
    access: np.ndarray,
    source_role: int,
    key: np.uint64,
    gradual: bool,
    from_insight: np.ndarray,
) -> tuple[int, int, int]:
    n, m = beliefs.shape
    cut = np.empty(n, np.float64)  # p_i * 2**32
    for i in range(n):
        cut[i] = min(rate[i] * learning_rate[i] * access[role[i]], 1.0) * _TWO32
    moved = np.zeros(n, np.int64)
    adopted = 0
    for d in range(m):
        c = code[d]
        if c == 0:
            continue  # no view on d: no trial
        column = beliefs[:, d]
        for i in range(n):  # branch-free, so that it vectorises
            z = np.uint64(d * n + i + 1) * GAMMA + key  # splitmix64, inline
            z = (z ^ (z >> _S30)) * MIX1
            z = (z ^ (z >> _S27)) * MIX2
            z = z ^ (z >> _S31)
            b = column[i]
            hit = (b != c) & (np.float64(z >> _S32) < cut[i])
            new = (b + np.int8(1) if c > b else b - np.int8(1)) if gradual else c
            column[i] = new if hit else b
            moved[i] += hit
            adopted += hit & (new == c) & from_insight[d]
    changes = crossed = 0
    for i in range(n):
        changes += moved[i]
        if source_role >= 0 and role[i] != source_role:
            crossed += moved[i]
    return changes, adopted, crossed


@kernel(_socialise_loops)
def socialise(
    beliefs: np.ndarray,
    code: np.ndarray,
    rate: np.ndarray,
    learning_rate: np.ndarray,
    role: np.ndarray,
    access: np.ndarray,
    source_role: int,
    key: np.uint64,
    gradual: bool,
    from_insight: np.ndarray,
) -> tuple[int, int, int]:
    """Move tried beliefs toward the code, in place.

    Member i tries, with ``p_i = min(rate[i] * learning_rate[i] * access[role[i]], 1)``,
    on every dimension d where the code holds a view it does not share, with number
    k = d * n + i. Returns (changes, adopted, crossed): beliefs moved; moves that made a
    belief equal the code on a dimension written by an insight (``from_insight``); moves
    whose member's role is not ``source_role`` (-1: the code is everyone's own role).
    """
    n, m = beliefs.shape
    cut = below(np.minimum(rate * learning_rate * access[role], 1.0))
    columns = beliefs.T  # (m, n): element k = d * n + i
    tried_rows, tried_dims = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    width = max(1, _BLOCK // n)  # dimensions at a time: temporaries stay in cache
    for first in range(0, m, width):
        view = code[first : first + width, None]
        eligible = (view != columns[first : first + width]) & (view != 0)
        flat = np.flatnonzero(eligible)  # within the block
        dims = np.repeat(np.arange(first, first + view.shape[0]), eligible.sum(axis=1))
        rows = flat - (dims - first) * n  # no integer division
        tried = np.flatnonzero((splitmix64(key, flat + first * n) >> _S32) < cut[rows])
        tried_rows.append(rows[tried])
        tried_dims.append(dims[tried])
    rows, dims = np.concatenate(tried_rows), np.concatenate(tried_dims)
    target = code[dims]
    old = beliefs[rows, dims]
    new = old + np.sign(target - old) if gradual else target
    beliefs[rows, dims] = new
    adopted = int(np.count_nonzero((new == target) & from_insight[dims]))
    crossed = int(np.count_nonzero(role[rows] != source_role)) if source_role >= 0 else 0
    return int(rows.size), adopted, crossed


# --- tally: each member's score, each dimension's +1 and -1 holders ---------------------


def _tally_loops(
    beliefs: np.ndarray, reality: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, m = beliefs.shape
    scores = np.zeros(n, np.int64)
    plus = np.zeros(m, np.int64)
    minus = np.zeros(m, np.int64)
    for d in range(m):
        column, r = beliefs[:, d], np.int64(reality[d])
        net = held = 0
        for i in range(n):
            b = np.int64(column[i])
            scores[i] += b * r
            net += b
            held += b * b
        plus[d], minus[d] = (held + net) // 2, (held - net) // 2
    return scores, plus, minus


@kernel(_tally_loops)
def tally(beliefs: np.ndarray, reality: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's score against reality, and per dimension the number of +1 and of -1."""
    net = beliefs.sum(axis=0, dtype=np.int64)  # (#+1) - (#-1)
    held = np.count_nonzero(beliefs, axis=0).astype(np.int64)  # (#+1) + (#-1)
    return score_numpy(beliefs, reality), (held + net) // 2, (held - net) // 2


# --- member_sums: the metrics' group-by sums --------------------------------------------


def _member_sums_loops(
    scores: np.ndarray,
    m: int,
    safety: np.ndarray,
    fast: np.ndarray,
    level: np.ndarray,
    n_levels: int,
    role: np.ndarray,
) -> tuple[np.ndarray, ...]:
    by_speed, speeds = np.zeros(2), np.zeros(2, np.int64)
    by_level, levels = np.zeros(n_levels), np.zeros(n_levels, np.int64)
    by_role, roles = np.zeros(3), np.zeros(3, np.int64)
    for i in range(scores.shape[0]):  # in member order, as bincount: the same sums
        g = np.int64(fast[i])
        by_speed[g] += scores[i] / m
        speeds[g] += 1
        g = np.int64(level[i])
        if g < n_levels:
            by_level[g] += safety[i]
            levels[g] += 1
        g = np.int64(role[i])
        by_role[g] += safety[i]
        roles[g] += 1
    return by_speed, speeds, by_level, levels, by_role, roles


@kernel(_member_sums_loops)
def member_sums(
    scores: np.ndarray,
    m: int,
    safety: np.ndarray,
    fast: np.ndarray,
    level: np.ndarray,
    n_levels: int,
    role: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Group sums and counts, added in member order (as ``np.bincount`` adds).

    Returns knowledge (``scores / m``) summed by ``fast`` (False, True) and the counts,
    safety by level (0 .. n_levels - 1) and the counts, safety by role (0 .. 2) and the
    counts.
    """
    out: list[np.ndarray] = []
    for values, groups, k in ((scores / m, fast, 2), (safety, level, n_levels), (safety, role, 3)):
        out.append(np.bincount(groups, weights=values, minlength=k)[:k])
        out.append(np.bincount(groups, minlength=k)[:k])
    return tuple(out)


# --- bernoulli_rows: one trial per member -----------------------------------------------


def _bernoulli_rows_loops(p: np.ndarray, key: np.uint64) -> np.ndarray:
    n = p.shape[0]
    hit = np.empty(n, np.bool_)
    for i in range(n):  # branch-free, so that it vectorises; then one compaction
        z = np.uint64(i + 1) * GAMMA + key  # splitmix64, inline
        z = (z ^ (z >> _S30)) * MIX1
        z = (z ^ (z >> _S27)) * MIX2
        z = z ^ (z >> _S31)
        hit[i] = np.float64(z >> _S32) < p[i] * _TWO32
    return np.flatnonzero(hit)


@kernel(_bernoulli_rows_loops)
def bernoulli_rows(p: np.ndarray, key: np.uint64) -> np.ndarray:
    """The rows whose trial succeeds: row i with probability p[i], with number i."""
    return np.flatnonzero((splitmix64(key, np.arange(p.shape[0])) >> _S32) < below(p))


# --- voice: one attempt for every insight awaiting it -----------------------------------

# an insight's fate at the voice phase (voice.speak_up applies them)
NOT_WAITING, OWN, WAITS, HEARD, PUNISHED, SUPPRESSED = range(6)


def _voice_loops(
    pool: np.ndarray,
    manager: np.ndarray,
    level: np.ndarray,
    safety: np.ndarray,
    punitiveness: np.ndarray,
    beliefs: np.ndarray,
    hero: int,
    discount: np.ndarray,
    ttl: int,
    step: int,
    key: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = pool.shape[1]
    fate = np.zeros(size, np.int8)
    target = np.full(size, -1, np.int64)
    for j in range(size):
        if pool[4, j] != AWAITING_VOICE:
            continue
        h = pool[1, j]
        t = hero if hero >= 0 else manager[h]
        t = h if t < 0 else t
        target[j] = t
        if t == h:
            fate[j] = OWN
            continue
        gap = max(np.int64(level[t]) - np.int64(level[h]), 0)
        z = np.uint64(j + 1) * GAMMA + key  # splitmix64, inline
        z = (z ^ (z >> _S30)) * MIX1
        z = (z ^ (z >> _S27)) * MIX2
        z = z ^ (z >> _S31)
        if np.float64(z >> _S32) < safety[h] * discount[gap] * _TWO32:
            dissent = pool[3, j] != beliefs[t, pool[2, j]]
            punish = dissent and np.float64(z & _LOW32) < punitiveness[t] * _TWO32
            fate[j] = PUNISHED if punish else HEARD
        elif step - pool[5, j] + 1 >= ttl:
            fate[j] = SUPPRESSED
        else:
            fate[j] = WAITS
    counts = np.zeros(6, np.int64)
    for j in range(size):
        counts[fate[j]] += 1
    start = np.zeros(6, np.int64)
    for f in range(1, 6):
        start[f] = start[f - 1] + counts[f - 1]
    order = np.empty(size, np.int64)  # a counting sort: rows by fate, in pool order
    for j in range(size):
        order[start[fate[j]]] = j
        start[fate[j]] += 1
    return order, counts, target


@kernel(_voice_loops)
def voice(
    pool: np.ndarray,
    manager: np.ndarray,
    level: np.ndarray,
    safety: np.ndarray,
    punitiveness: np.ndarray,
    beliefs: np.ndarray,
    hero: int,
    discount: np.ndarray,
    ttl: int,
    step: int,
    key: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pool entry's fate at the voice phase (``NOT_WAITING`` ... ``SUPPRESSED``).

    ``pool`` is ``InsightLedger.pool`` (rows as ``insights.POOL_COLUMNS``). An entry awaiting
    voice speaks to its holder's manager, or to ``hero`` when that is >= 0; an entry whose
    listener is its holder is the top's own (``OWN``). Entry j uses number j: it speaks up
    when the top 32 bits are below ``safety[holder] * discount[gap]`` and, if it dissents
    from the listener's belief, is punished when the low 32 bits are below the listener's
    punitiveness (both on the 2**32 scale); one not spoken is suppressed on its ``ttl``-th
    attempt.

    Returns the pool rows grouped by fate (pool order within a fate), how many have each
    fate, and each entry's listener (-1 where not awaiting voice).
    """
    holder, dim, value, stage, since = pool[1], pool[2], pool[3], pool[4], pool[5]
    fate = np.zeros(holder.size, np.int8)
    target = np.full(holder.size, -1, np.int64)
    j = np.flatnonzero(stage == AWAITING_VOICE)
    h = holder[j]
    t = np.full(j.size, hero) if hero >= 0 else manager[h]
    t = np.where(t < 0, h, t)
    target[j] = t
    gap = np.maximum(level[t].astype(np.int64) - level[h], 0)
    z = splitmix64(key, j)
    speaks = (z >> _S32) < below(safety[h] * discount[gap])
    dissent = value[j] != beliefs[t, dim[j]]
    punished = speaks & dissent & ((z & _LOW32) < below(punitiveness[t]))
    silent = np.where(step - since[j] + 1 >= ttl, SUPPRESSED, WAITS)
    spoke = np.where(punished, PUNISHED, HEARD)
    fate[j] = np.where(t == h, OWN, np.where(speaks, spoke, silent))
    return np.argsort(fate, kind="stable"), np.bincount(fate, minlength=6), target


# --- approach_rows: events pull members' values toward a target -------------------------


def _approach_rows_loops(
    values: np.ndarray, target: float, powers: np.ndarray, rows: np.ndarray
) -> None:
    ordered = np.sort(rows)
    first = 0
    while first < ordered.shape[0]:
        r = ordered[first]
        last = first
        while last < ordered.shape[0] and ordered[last] == r:
            last += 1
        values[r] = target - (target - values[r]) * powers[last - first]
        first = last


@kernel(_approach_rows_loops)
def approach_rows(values: np.ndarray, target: float, powers: np.ndarray, rows: np.ndarray) -> None:
    """In place, once per distinct row r of ``rows``, occurring c times:
    ``values[r] = target - (target - values[r]) * powers[c]``."""
    touched, times = np.unique(rows, return_counts=True)
    values[touched] = target - (target - values[touched]) * powers[times]
