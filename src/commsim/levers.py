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
        "set_accountability",
        "Set accountability",
        "T3 safety vs accountability, T4 individual vs system attribution [CSL]",
        "`blame_bias ← value`: where leaders cannot see a failure's cause, the chance they blame "
        "the person (7.19)",
        (Parameter("value", 0.5, 0.0, 1.0, required=True, label="blame bias"),),
        offered=lambda config: config.incident_rate > 0,
    ),
    Lever(
        "train_just_culture",
        "Train in just culture",
        '"distinguishing between system failures and individual negligence" [CSL]; just '
        "culture (Reason 1997)",
        "`attribution_accuracy ← min(attribution_accuracy + amount, 1)` (7.19)",
        (Parameter("amount", 0.2, 0.0, 1.0, open_low=True, label="accuracy +"),),
        offered=lambda config: config.incident_rate > 0,
    ),
    # structural tension's levers (docs/MODEL.md 7.23): offered where model/tension.py's
    # tension_shown and tension_on hold (this floor imports nothing from the model)
    Lever(
        "set_rigour",
        "Set rigour",
        "T2 speed of learning vs rigour of analysis [CSL]",
        "`verifications_required ← verifications`: confirmations a codification needs from "
        "now on (7.23; above `insight_ttl` none can pass)",
        (Parameter("verifications", 2, 1, 10, integer=True, required=True, label="verifications"),),
        offered=lambda config: config.tension_gain > 0 or config.verifications_required > 1,
    ),
    Lever(
        "set_goal_hierarchy",
        "Put learning first",
        "hierarchies of importance turn oscillation into advancement [FR]",
        "`goal_hierarchy ← value` from now on (7.23)",
        (Parameter("value", 1.0, 0.0, 1.0, required=True, label="goal hierarchy"),),
        offered=lambda config: config.tension_gain > 0,
    ),
    Lever(
        "set_exploration_fear",
        "Make it safe to experiment",
        "practice fields where people experiment and rehearse [KS]; wonder, not blame, when "
        "an experiment fails [CQC]",
        "`exploration_fear ← value`: low safety stops fewer experiments (7.24)",
        (Parameter("value", 0.0, 0.0, 1.0, label="fear of experimenting"),),
        offered=lambda config: config.exploration_fear > 0,
    ),
    Lever(
        "set_hero_dependence",
        "Stop relying on the hero",
        "the burden shifted back: leadership developed throughout the organisation, not "
        "a hero leader [CQC]",
        "`hero_dependence ← value`: the hero's decisions erode the others' learning rate and "
        "safety less, or not at all (7.24)",
        (Parameter("value", 0.0, 0.0, 1.0, label="dependence on the hero"),),
        offered=lambda config: config.leadership == "hero" and config.hero_dependence > 0,
    ),
    Lever(
        "close_the_loop",
        "Close the loop",
        "local contributors must see tangible benefits, T6 [CSL]; feedback loops [LO]",
        "`report_feedback ← feedback`: a report verified within `feedback_window` steps comes "
        "back to its reporter with this chance (7.22)",
        (Parameter("feedback", 1.0, 0.0, 1.0, label="chance a reporter hears back"),),
        offered=lambda config: config.reporting,
    ),
    Lever(
        "ease_reporting",
        "Make reporting easy",
        "the local effort of incident reporting, T6 [CSL]",
        "`voice_cost ← cost`: what one report costs its reporter from now on (7.22)",
        (Parameter("cost", 0.0, 0.0, 1.0, label="cost of a report"),),
        offered=lambda config: config.reporting,
    ),
    # units with local conditions and standardisation (docs/MODEL.md 7.20)
    Lever(
        "set_standardization",
        "Standardise",
        "T1: standardisation vs localised adaptation [CSL]",
        "`standardization ← value`: the chance a belief learns from the global code rather "
        "than from its unit's practice",
        (Parameter("value", 0.5, 0.0, 1.0, required=True, label="standardisation"),),
        offered=lambda config: config.units > 0,
    ),
    Lever(
        "analyse_root_causes",
        "Root-cause analysis",
        "root-cause analysis of significant events; patient safety learning from adverse "
        "events [CSL]",
        "`root_cause_analysis ← share`: each problem with adverse events (a dimension in a "
        "unit) is analysed with this chance and its unit's practice set to what it finds",
        (Parameter("share", 0.5, 0.0, 1.0, required=True, label="problems analysed"),),
        offered=lambda config: config.units > 0,
    ),
    Lever(
        "share_incident_reports",
        "Share incident reports",
        "a shared incident-reporting system, findings distributed to all departments [CSL]",
        "`incident_sharing ← reach`: each analysis's finding reaches each other unit with "
        "this chance, which reviews the problem in its own conditions",
        (Parameter("reach", 1.0, 0.0, 1.0, required=True, label="reach of findings"),),
        offered=lambda config: config.units > 0,
    ),
    Lever(
        "hold_cross_unit_reviews",
        "Cross-unit reviews",
        "monthly cross-department rounds reviewing cases [CSL]; learning across sites",
        "`cross_unit_reviews ← rate` for `steps` steps (0: until changed): each member meets a "
        "colleague from another unit with this chance per step",
        (
            Parameter("rate", 0.1, 0.0, 1.0, required=True, label="members per step"),
            Parameter("steps", 0, low=0, integer=True, label="for steps (0: on)"),
        ),
        offered=lambda config: config.units > 0,
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
        offered=lambda config: config.entrenchment_or_reframing,
    ),
)
