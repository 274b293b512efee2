"""NumPy's PCG64 generator advanced by numba, in place: the compiled phases' random numbers.

A compiled phase (``commsim.model.fused``) must draw exactly what its NumPy phase draws from
the model's generator, in the same order, so that a run's numbers do not depend on whether
numba is on. ``next_raw`` is PCG64's step and output (``bit_generator.random_raw()``),
``next_double`` NumPy's ``Generator.random()`` on it, and ``uniform_below`` the phases'
``state.uniform_below``; ``generator_state`` is a view of the generator's own state words,
so the model's ``rng`` has advanced when a compiled phase returns.

``seed_words`` is ``np.random.default_rng(seed)``'s state (its ``SeedSequence`` and PCG64's
seeding), and ``integers_8``/``integers_32`` are ``Generator.integers`` on int8 and on int64
below 2**32 (NumPy's Lemire draws from 32-bit halves), ``carry`` the half a 64-bit output
left over, as NumPy's ``has_uint32``: a run's start drawn without a Generator
(``fused.ensemble``).
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
def _step(state: np.ndarray) -> None:
    """The LCG's step: state <- state * multiplier + increment (mod 2**128)."""
    lo, hi = state[0], state[1]
    product_lo = lo * _MUL_LO
    product_hi = mul_high(lo, _MUL_LO) + lo * _MUL_HI + hi * _MUL_LO
    new_lo = product_lo + state[2]
    carry = np.uint64(1) if new_lo < product_lo else np.uint64(0)
    state[0], state[1] = new_lo, product_hi + state[3] + carry


@numba.njit(cache=True, nogil=True)
def next_raw(state: np.ndarray) -> np.uint64:
    """PCG64's next 64-bit output (``bit_generator.random_raw()``), advancing ``state`` in
    place: [state low, state high, increment low, increment high], as NumPy holds it."""
    _step(state)
    lo, hi = state[0], state[1]
    x, rotation = hi ^ lo, hi >> _S58
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


# NumPy's SeedSequence (bit_generator.pyx): its hash constants, on 32-bit words
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
_MIX_L, _MIX_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
_S16, _ONE, _ZERO = np.uint64(16), np.uint64(1), np.uint64(0)


@numba.njit(cache=True, nogil=True)
def _hashmix(value: np.uint64, hash_const: np.ndarray) -> np.uint64:
    value = (value ^ hash_const[0]) & _LOW32
    hash_const[0] = (hash_const[0] * _MULT_A) & _LOW32
    value = (value * hash_const[0]) & _LOW32
    return value ^ (value >> _S16)


@numba.njit(cache=True, nogil=True)
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    result = (_MIX_L * x - _MIX_R * y) & _LOW32
    return result ^ (result >> _S16)


@numba.njit(cache=True, nogil=True)
def seed_words(seed: np.uint64, state: np.ndarray) -> None:
    """``state`` set to ``np.random.default_rng(seed)``'s PCG64 state words: the seed's
    32-bit words (low first) mixed into a pool of four (``SeedSequence``), eight words drawn
    from the pool as four 64-bit ones, the first two PCG64's seed and the last two its
    increment (``pcg64_set_seed``), which then steps twice."""
    entropy = np.zeros(2, np.uint64)
    entropy[0], entropy[1] = seed & _LOW32, seed >> _S32
    length = 2 if entropy[1] else 1
    hash_const = np.array([_INIT_A])
    pool = np.empty(4, np.uint64)
    for i in range(4):
        pool[i] = _hashmix(entropy[i] if i < length else _ZERO, hash_const)
    for source in range(4):
        for target in range(4):
            if source != target:
                pool[target] = _mix(pool[target], _hashmix(pool[source], hash_const))
    words = np.empty(8, np.uint64)
    mult = _INIT_B
    for i in range(8):
        value = pool[i % 4] ^ mult
        mult = (mult * _MULT_B) & _LOW32
        value = (value * mult) & _LOW32
        words[i] = value ^ (value >> _S16)
    seed_hi, seed_lo = words[0] | (words[1] << _S32), words[2] | (words[3] << _S32)
    inc_hi, inc_lo = words[4] | (words[5] << _S32), words[6] | (words[7] << _S32)
    state[0], state[1] = _ZERO, _ZERO
    state[2], state[3] = (inc_lo << _ONE) | _ONE, (inc_hi << _ONE) | (inc_lo >> _SIXTY_THREE)
    _step(state)
    lo = state[0] + seed_lo
    state[1] += seed_hi + (_ONE if lo < seed_lo else _ZERO)
    state[0] = lo
    _step(state)


@numba.njit(cache=True, nogil=True)
def next_uint32(state: np.ndarray, carry: np.ndarray) -> np.uint64:
    """PCG64's next 32 bits as NumPy draws them: the low half of a new output, the high
    half kept in ``carry`` ([whether one is kept, it]) for the next call."""
    if carry[0]:
        carry[0] = _ZERO
        return carry[1]
    raw = next_raw(state)
    carry[0], carry[1] = _ONE, raw >> _S32
    return raw & _LOW32


@numba.njit(cache=True, nogil=True)
def integers_8(state: np.ndarray, carry: np.ndarray, low: int, high: int, out: np.ndarray) -> None:
    """``out`` (1-d) filled as ``Generator.integers(low, high, dtype=np.int8)`` fills it: Lemire's
    draws on bytes of 32-bit words, four to a word (``random_bounded_uint8_fill``)."""
    span = np.uint64(high - 1 - low)
    if span == _ZERO:  # (one value: nothing is drawn)
        out[:] = low
        return
    excl = span + _ONE
    threshold = (np.uint64(255) - span) % excl
    buffer, left = _ZERO, 0
    for i in range(out.size):
        while True:
            if left == 0:
                buffer, left = next_uint32(state, carry), 3
            else:
                buffer, left = buffer >> np.uint64(8), left - 1
            scaled = (buffer & np.uint64(0xFF)) * excl
            if (scaled & np.uint64(0xFF)) >= threshold:
                break
        out[i] = low + np.int64(scaled >> np.uint64(8))


@numba.njit(cache=True, nogil=True)
def integers_32(state: np.ndarray, carry: np.ndarray, low: int, high: int, size: int) -> None:
    """``size`` draws of ``Generator.integers(low, high)`` where ``high - low <= 2**32``
    (Lemire's on 32-bit words, ``random_bounded_uint64_fill``), taken from the stream and
    not kept: the draws a start makes that March's block never reads."""
    span = np.uint64(high - 1 - low)
    if span == _ZERO:
        return
    excl = span + _ONE
    threshold = (_LOW32 - span) % excl
    for _ in range(size):
        while ((next_uint32(state, carry) * excl) & _LOW32) < threshold:
            pass


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
