"""The built-in levers (interventions), declared: names, arguments with ranges, labels, ideas.

The config's schema for scheduled interventions, the app's intervention panel and both
models' dispatch are made from these declarations; what each lever does to a running model
is in ``commsim.model.levers`` (and, one agent at a time, in the reference model).
"""

from __future__ import annotations

from commsim.catalogue import Lever, Parameter


def _level(label: str) -> Parameter:
    return Parameter(
        "level",
        None,
        low=0,
        integer=True,
        label=label,
        description="one level only (0 = front line)",
    )


LEVERS: tuple[Lever, ...] = (
    Lever(
        "raise_safety",
        "Invite voice",
        "leaders modelling vulnerability, inviting voice [LO]; AutoCo: \"everybody says what's "
        'really on their mind" [SK]',
        "`safety ← min(safety + amount, 1)` for everyone, or only the members at `level`",
        (Parameter("amount", 0.2, 0.0, 1.0, label="safety +"), _level("at level")),
    ),
    Lever(
        "set_punitiveness",
        "Set leaders' response",
        'working on the "culture of punishment for bad news" [CQC]',
        "every member who has reports (at `level`, or at any level) gets `punitiveness = value`",
        (
            Parameter("value", 0.0, 0.0, 1.0, required=True, label="punitiveness"),
            _level("of leaders at level"),
        ),
    ),
    Lever(
        "flatten_hierarchy",
        "Flatten the hierarchy",
        "collective vs hierarchical leadership [CQC]",
        "`level ← ceil(level / 2)` for everyone (managers unchanged): shorter authority gaps",
    ),
    Lever(
        "add_capacity_builders",
        "Add coaches",
        "building capacity throughout the organisation, the fundamental solution [CQC]; "
        "coaches and mentors [SK]",
        "`round(share × #practitioners)` practitioners, drawn at random, become capacity builders",
        (Parameter("share", 0.1, 0.0, 1.0, open_low=True, label="of practitioners"),),
    ),
    Lever(
        "set_integration",
        "Open the walls",
        'get rid of the "imaginary boxes" between the three activities [SK]',
        "`integration ← value`",
        (Parameter("value", 1.0, 0.0, 1.0, required=True, label="integration"),),
    ),
    Lever(
        "reorganisation_shock",
        "Reorganise",
        "AutoCo: senior team members left after a global reorganisation [SK]; memory across "
        "turnover [CSL]",
        "each member with `level ≥ min_level` leaves with probability `share` (the turnover "
        "rule, 7.13)",
        (
            Parameter("share", 0.5, 0.0, 1.0, label="seniors who leave"),
            Parameter("min_level", 1, low=0, integer=True, label="from level"),
        ),
    ),
    Lever(
        "reality_shock",
        "Reality shock",
        "a world of change [KS]; discontinuous change, T5 [CSL]",
        "`max(1, round(share × m))` random dimensions of reality flip (on a landscape, that "
        "many contribution tables are redrawn)",
        (Parameter("share", 0.3, 0.0, 1.0, open_low=True, label="of reality that flips"),),
    ),
    Lever(
        "structural_shock",
        "Structural shock",
        "discontinuous change, T5 [CSL]: a change of the task's structure that a revision of "
        'one\'s mental models meets, not a correction of values ("we are our mental models" '
        "[CQC])",
        "`max(1, round(share × m))` random bits of a landscape come to depend on new others "
        "(tables kept); on March's reality, a run of that many neighbouring dimensions "
        "reverses together (7.21)",
        (Parameter("share", 0.3, 0.0, 1.0, open_low=True, label="of the task restructured"),),
        offered=lambda config: config.entrenchment > 0 or config.double_loop_rate > 0,
    ),
)
