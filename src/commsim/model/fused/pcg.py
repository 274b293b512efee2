"""NumPy's PCG64 generator advanced by numba, in place: the compiled phases' random numbers.

A compiled phase (``commsim.model.fused``) must draw exactly what its NumPy phase draws from
the model's generator, in the same order, so that a run's numbers do not depend on whether
numba is on. ``next_raw`` is PCG64's step and output (``bit_generator.random_raw()``),
``next_double`` NumPy's ``Generator.random()`` on it, and ``uniform_below`` the phases'
``state.uniform_below``; ``generator_state`` is a view of the generator's own state words,
so the model's ``rng`` has advanced when a compiled phase returns.
"""

from __future__ import annotations

import ctypes

import numba
import numpy as np

# PCG64 (O'Neill 2014; NumPy's default bit generator): a 128-bit LCG and its XSL-RR output
_MUL_HI = np.uint64(2549297995355413924)
_MUL_LO = np.uint64(4865540595714422341)
_LOW32 = np.uint64(0xFFFFFFFF)
_S32, _S58, _S11 = np.uint64(32), np.uint64(58), np.uint64(11)
_SIXTY_THREE, _SIXTY_FOUR = np.uint64(63), np.uint64(64)
_TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0


@numba.njit(cache=True, nogil=True)
def mul_high(a: np.uint64, b: np.uint64) -> np.uint64:
    """The high 64 bits of the 128-bit product a * b."""
    a_lo, a_hi, b_lo, b_hi = a & _LOW32, a >> _S32, b & _LOW32, b >> _S32
    low, cross1, cross2 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo
    middle = (low >> _S32) + (cross1 & _LOW32) + (cross2 & _LOW32)
    return a_hi * b_hi + (cross1 >> _S32) + (cross2 >> _S32) + (middle >> _S32)


@numba.njit(cache=True, nogil=True)
def next_raw(state: np.ndarray) -> np.uint64:
    """PCG64's next 64-bit output (``bit_generator.random_raw()``), advancing ``state`` in
    place: [state low, state high, increment low, increment high], as NumPy holds it."""
    lo, hi = state[0], state[1]
    product_lo = lo * _MUL_LO
    product_hi = mul_high(lo, _MUL_LO) + lo * _MUL_HI + hi * _MUL_LO
    new_lo = product_lo + state[2]
    carry = np.uint64(1) if new_lo < product_lo else np.uint64(0)
    new_hi = product_hi + state[3] + carry
    state[0], state[1] = new_lo, new_hi
    x, rotation = new_hi ^ new_lo, new_hi >> _S58
    return (x >> rotation) | (x << ((_SIXTY_FOUR - rotation) & _SIXTY_THREE))


@numba.njit(cache=True, nogil=True)
def next_double(state: np.ndarray) -> float:
    """NumPy's ``Generator.random()`` on PCG64: the top 53 bits of the next output."""
    return np.float64(next_raw(state) >> _S11) * _TWO_TO_MINUS_53


@numba.njit(cache=True, nogil=True)
def uniform_below(state: np.ndarray, high: int) -> np.int64:
    """One integer uniform on 0 .. high - 1 as ``state.uniform_below`` draws it:
    ``floor(u * high)``, u NumPy's next double."""
    return np.int64(next_double(state) * high)


def generator_state(rng: np.random.Generator) -> np.ndarray | None:
    """NumPy's own PCG64 state as four uint64 words (a view: writing it advances ``rng``), or
    None when the generator is not PCG64 or its memory is not laid out as expected (checked
    on the first generator: every PCG64 of a process is laid out alike)."""
    bit_generator = rng.bit_generator
    if type(bit_generator) is not np.random.PCG64:
        return None
    pointer = ctypes.c_void_p.from_address(bit_generator.ctypes.state_address).value
    if not pointer:
        return None
    words = np.frombuffer(_WORDS.from_address(pointer), np.uint64)
    if _LAYOUT_SEEN:
        return words if _LAYOUT_SEEN[0] else None
    held = bit_generator.state["state"]
    mask = (1 << 64) - 1
    expected = [held["state"] & mask, held["state"] >> 64, held["inc"] & mask, held["inc"] >> 64]
    _LAYOUT_SEEN.append([int(w) for w in words] == expected)
    return words if _LAYOUT_SEEN[0] else None


_WORDS = ctypes.c_uint64 * 4

#: whether NumPy's PCG64 state is laid out as ``generator_state`` reads it, once known
_LAYOUT_SEEN: list[bool] = []
