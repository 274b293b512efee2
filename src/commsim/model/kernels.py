"""Compiled kernels: the wrapper and switch they share, their random streams, ``bernoulli_rows``.

A *kernel* is a hot spot of a step written twice: as loops that numba compiles, and as an
exact NumPy twin. Each lives beside the rule it serves, and its docstring says why it is
compiled (docs/PERFORMANCE.md has the profiles):

* ``reality.act`` (acting: coins where undecided, performance), ``learning.socialise_beliefs``
  (socialisation) and ``metrics.tally`` (each member's knowledge, each dimension's +1/-1
  counts) sweep the whole N x m belief matrix every step;
* ``bernoulli_rows`` (here: who explores, copies a peer, coaches, leaves),
  ``voice.voice_fates`` (every insight's attempt to speak up), ``state.approach_by_powers``
  (safety and learning-rate updates) and ``metrics.member_sums`` (the metrics' group-by
  sums) replace dozens of small NumPy calls whose fixed cost dominates a step at N = 10,000;
  ``learning.code_changes`` (the superior group's votes and the code's adoptions) does the
  same for the m-long arrays of code learning, whose fixed cost dominates a small run's step.

**One def per kernel.** A kernel is its NumPy twin decorated with ``@kernel(loops)``: the
``Kernel`` it makes carries the twin's name, signature, annotations and docstring, so a call
reads, type-checks and jumps (in an IDE) to that ``def``, and runs the compiled loops when
numba is on. ``kernel.twin`` and ``kernel.compiled()`` stay reachable, so that the tests
run both on one input.

**Same results with or without numba.** Every kernel is a pure function of its arguments,
random numbers included, and its twin computes the same thing as its loops: where a
floating-point result is kept, with the same operations in the same order; where numbers
are compared, with comparisons that are exactly equivalent (``below``). So the compiled
loops and the twins give bit-identical runs for a seed (``tests/test_kernels.py`` checks
each kernel and whole runs).

**Random numbers: counter-based streams.** A uniform from NumPy's generator costs about
2 ns, more than the rest of a belief's work, and it must be drawn in order. So each kernel
call takes one 64-bit *key* from ``model.rng`` (``draw_key``) and number k of its stream
is a pure function of (key, k): SplitMix64's output function applied to
``key + (k + 1) * GAMMA``, i.e. the (k + 1)-th output of a SplitMix64 generator seeded
with the key (Steele, Lea & Flood 2014; it passes BigCrush). Any element's number can be
computed on its own, in any order, in a vector register; the twins compute exactly the
numbers they need with ``splitmix64``. The loops inline the same four lines with the
constants below (numba cannot call an uncompiled helper); the tests check them against
``splitmix64``. A *trial* with probability p succeeds when the top 32 bits u of its
number satisfy ``u < p * 2**32``: probability p to within 2**-32. (``reality.act``'s coins
take one bit each.)

**Layout.** The belief matrix (N, m) is kept in Fortran order (``state.random_beliefs``):
each dimension's column is contiguous, so the loops run down long contiguous columns, and
belief k = d * n + i is the k-th byte in memory.

numba is a regular dependency (the default install is the fast one). Without it, or with
``COMMSIM_NO_NUMBA=1`` in the environment, the twins run. numba is imported, and each loop
compiled (cached on disk), on a kernel's first call, so importing the model costs nothing
extra. This module imports nothing from the
model: every module with a kernel imports it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np

NO_NUMBA_ENV = "COMMSIM_NO_NUMBA"

#: True when the numba loops run: numba is installed and ``COMMSIM_NO_NUMBA`` is unset or 0
HAVE_NUMBA = importlib.util.find_spec("numba") is not None and os.environ.get(
    NO_NUMBA_ENV, ""
).strip() in ("", "0")

# SplitMix64's increment, output-mixing constants and shifts (the loops inline them)
GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
S27, S30, S31, S32 = (np.uint64(s) for s in (27, 30, 31, 32))
LOW32 = np.uint64(0xFFFFFFFF)  # a number's low 32 bits: a second trial from one number
TWO32 = 2.0**32  # a trial with probability p: u < p * 2**32, u the number's top 32 bits


def draw_key(rng: np.random.Generator) -> np.uint64:
    """One 64-bit key from the model's generator: it seeds one kernel call's stream."""
    return np.uint64(rng.bit_generator.random_raw())


def splitmix64(key: np.uint64, index: np.ndarray) -> np.ndarray:
    """Numbers ``index`` of the stream ``key`` (NumPy; the loops inline the same lines)."""
    z = index.astype(np.uint64)
    z += np.uint64(1)
    z *= GAMMA
    z += key
    shifted = z >> S30
    z ^= shifted
    z *= MIX1
    z ^= np.right_shift(z, S27, out=shifted)
    z *= MIX2
    z ^= np.right_shift(z, S31, out=shifted)
    return z


def below(p: np.ndarray) -> np.ndarray:
    """Cut-offs for the top 32 bits u of a number: ``u < below(p)`` exactly when
    ``u < p * 2**32``, the loops' test (u is an integer, so compare with the ceiling)."""
    return np.ceil(np.maximum(p, 0.0) * TWO32).astype(np.uint64)


def coin_words(n: int) -> int:
    """Numbers per dimension that ``reality.act``'s coins take: one bit per member."""
    return -(-n // 64)


# --- the wrapper: numba's loops or the NumPy twin, behind the twin's signature ---------


class Kernel[**P, R]:
    """One kernel: its numba-compiled loops when ``HAVE_NUMBA``, its NumPy twin otherwise.

    Made by ``@kernel(loops)`` on the twin, whose name, signature, annotations and docstring
    it takes (``functools.update_wrapper``): a call to the kernel reads, type-checks and
    jumps (in an IDE) as a call to the twin's ``def``. The loops are compiled on the first
    call; ``compiled()`` and ``twin`` stay reachable so that tests run both on one input.
    """

    def __init__(self, loops: Callable[..., Any] | str, twin: Callable[P, R]) -> None:
        self.loops = loops
        self.twin = twin
        self._compiled: Callable[P, R] | None = None
        self._run: Callable[P, R] = self._bind  # the chosen callable, once chosen
        functools.update_wrapper(self, twin)

    def compiled(self) -> Callable[P, R]:
        """The loops compiled by numba (cached on disk next to their module), or, where
        ``loops`` names them (``"module:function"``), the loops compiled there."""
        if self._compiled is None:
            if isinstance(self.loops, str):
                module, name = self.loops.split(":")
                self._compiled = getattr(importlib.import_module(module), name)
            else:
                import numba

                self._compiled = numba.njit(cache=True, nogil=True)(self.loops)
        return self._compiled

    def _bind(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """The first call: choose the loops or the twin for good, then run it."""
        self._run = self.compiled() if HAVE_NUMBA else self.twin
        return self._run(*args, **kwargs)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._run(*args, **kwargs)


def kernel[**P, R](
    loops: Callable[..., Any] | str,
) -> Callable[[Callable[P, R]], Kernel[P, R]]:
    """Decorate a NumPy twin: the kernel runs ``loops`` compiled by numba, else the twin.

    ``loops`` must compute exactly what the twin does (``tests/test_kernels.py``). Loops that
    call numba helpers of their own live where numba is imported at once (``fused``), and
    are named here as ``"module:function"``: this module imports numba only when it runs.
    """

    def wrap(twin: Callable[P, R]) -> Kernel[P, R]:
        return Kernel(loops, twin)

    return wrap


# --- bernoulli_rows: one trial per member -----------------------------------------------


def _bernoulli_rows_loops(p: np.ndarray, key: np.uint64) -> np.ndarray:
    n = p.shape[0]
    hit = np.empty(n, np.bool_)
    for i in range(n):  # branch-free, so that it vectorises; then one compaction
        z = np.uint64(i + 1) * GAMMA + key  # splitmix64, inline
        z = (z ^ (z >> S30)) * MIX1
        z = (z ^ (z >> S27)) * MIX2
        z = z ^ (z >> S31)
        hit[i] = np.float64(z >> S32) < p[i] * TWO32
    return np.flatnonzero(hit)


@kernel(_bernoulli_rows_loops)
def bernoulli_rows(p: np.ndarray, key: np.uint64) -> np.ndarray:
    """The rows whose trial succeeds: row i with probability p[i], with number i.

    Every phase's trials on its members (who explores, copies a peer, coaches, leaves):
    compiled, one branch-free pass and one compaction instead of a few NumPy calls whose
    fixed cost dominates at N = 10,000.
    """
    return np.flatnonzero((splitmix64(key, np.arange(p.shape[0])) >> S32) < below(p))
