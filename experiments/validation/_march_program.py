"""March's (1991) program as Workiewicz (2019) recreated it, vectorised over runs: a second opinion.

Workiewicz's recreation (github.com/Mac13kW/March_1991_Original, MIT licence; it follows the
paper, Rodan 2005 and Christensen's 2015 note on the original BASIC program) reproduces March's
Figure 1. This is that program transcribed rule for rule, the runs advanced side by side as
NumPy arrays, and nothing taken from commsim. Where commsim and March's published figures
disagree, running the program under the figure's settings tells whether the disagreement is
commsim's or already the program's.

A period, in the program's order: turnover (each member replaced by a naive one with
probability p3), turbulence (each dimension of reality flips with probability p4), everyone
acts (undecided beliefs flip a coin), everyone socialises towards the code as it stands
(gradually, with probability p1 per dimension), the code learns from the actions of the
members who outperformed it (``code . reality``): where the strict majority of those actions
differs from the code, it is adopted with probability ``1 - (1 - p2) ** k``, k the majority's
margin. ``flip_after`` moves the flip to the period's end, so that each reading meets a reality
the code has not yet learned from (the ``flip_first`` reading of docs/VALIDATION.md, section 1);
``code_acts`` lets the code flip coins where it is undecided before its score is compared, as
its members do (Christensen 2015 has it score ``code . reality``, zeros counting 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

M, N = 30, 50  # March's dimensions and members


@dataclass(frozen=True)
class Course:
    """Knowledge after each period, ``[step, run]`` (step 0: the start; March's period s + 1)."""

    code: np.ndarray
    members: np.ndarray  # [step, run, member]

    def of(self, metric: str, fast: np.ndarray) -> np.ndarray:
        """``code_knowledge``, ``mean_knowledge``, ``slow_knowledge`` or ``fast_knowledge``."""
        if metric == "code_knowledge":
            return self.code
        who = {
            "mean_knowledge": np.ones_like(fast),
            "slow_knowledge": ~fast,
            "fast_knowledge": fast,
        }
        return self.members[:, :, who[metric]].mean(axis=2)


def simulate(
    p1: np.ndarray,
    p2: float,
    p3: float,
    p4: float,
    steps: int,
    runs: int,
    seed: int,
    *,
    flip_after: bool = False,
    code_acts: bool = False,
) -> Course:
    """``runs`` independent runs of ``steps`` periods; ``p1``: a socialisation rate per member."""
    g = np.random.default_rng(seed)
    reality = 2 * g.integers(0, 2, (runs, M)) - 1
    beliefs = g.integers(0, 3, (runs, M, N)) - 1
    code = np.zeros((runs, M), dtype=np.int64)
    stay = round(1 - p2, 2)  # the program's rounding
    codes, members = [_knowledge(code, reality)], [_knowledge(beliefs, reality[:, :, None])]
    for _ in range(steps):
        leave = g.random((runs, N)) < p3
        beliefs = np.where(leave[:, None, :], g.integers(0, 3, (runs, M, N)) - 1, beliefs)
        if not flip_after:
            reality = np.where(g.random((runs, M)) < p4, -reality, reality)
        coin = 2 * g.integers(0, 2, (runs, M, N)) - 1
        actions = np.where(beliefs != 0, beliefs, coin)
        beliefs = _socialised(beliefs, code, g.random((runs, M, N)) < p1)
        acted = (
            np.where(code != 0, code, 2 * g.integers(0, 2, (runs, M)) - 1) if code_acts else code
        )
        superior = (actions * reality[:, :, None]).sum(axis=1) > (acted * reality).sum(axis=1)[
            :, None
        ]
        plus = ((actions == 1) & superior[:, None, :]).sum(axis=2)
        minus = ((actions == -1) & superior[:, None, :]).sum(axis=2)
        majority = np.sign(plus - minus)
        learns = (majority != 0) & (code != majority)
        learns &= g.random((runs, M)) > stay ** np.abs(plus - minus)
        code = np.where(learns, majority, code)
        if flip_after:
            reality = np.where(g.random((runs, M)) < p4, -reality, reality)
        codes.append(_knowledge(code, reality))
        members.append(_knowledge(beliefs, reality[:, :, None]))
    return Course(code=np.stack(codes), members=np.stack(members))


def _knowledge(views: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """Right minus wrong over the m dimensions (undecided: 0), as March's knowledge."""
    return (views * reality).mean(axis=1)


def _socialised(beliefs: np.ndarray, code: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """One step towards a non-zero code where it differs (-1 -> 0 -> +1), with chance p1."""
    toward = code[:, :, None]
    moves = chance & (toward != 0) & (beliefs != toward)
    return np.where(moves, beliefs + toward, beliefs)
