"""The step as data: every built-in mechanism as a ``Phase``, in the documented order.

``DEFAULT_PHASES`` is the step (docs/MODEL.md, "Process overview and scheduling"): the model
runs the phases its config switches on, in this order, then records the metrics. Each phase
names the parameters it owns (their defaults and ranges come from the config's schema) and
the seed idea each stands for, and the counters it increments. ``compose`` places an
extension's phases among them.
"""

from __future__ import annotations

from collections.abc import Iterable

from commsim.catalogue import Metric, Phase
from commsim.config import Config, config_parameter
from commsim.model import double_loop
from commsim.model.community import mentor, verify_and_codify
from commsim.model.environment import turbulence
from commsim.model.fear import HERO_RELIANCE
from commsim.model.fear import METRICS as FEAR_METRICS
from commsim.model.just_culture import METRICS as JUST_CULTURE_METRICS
from commsim.model.just_culture import PHASE as JUST_CULTURE
from commsim.model.learning import learn_code, socialise
from commsim.model.levers import apply_scheduled
from commsim.model.peers import learn_from_peers
from commsim.model.practice import act, explore
from commsim.model.reporting import METRICS as REPORTING_METRICS
from commsim.model.reporting import close_reports, reporting_on
from commsim.model.tension import METRICS as TENSION_METRICS
from commsim.model.tension import divide_effort, tension_on
from commsim.model.turnover import turnover
from commsim.model.units import METRICS as UNIT_METRICS
from commsim.model.units import (
    learn_practices,
    review_across_units,
    socialise_in_units,
)
from commsim.model.units import on as units_on
from commsim.model.voice import drift_to_climate, speak_up


def _owns(**given: tuple[str, str]) -> tuple:
    """The parameters a phase owns: name = (the seed idea it stands for, what it means)."""
    return tuple(config_parameter(name, idea, meaning) for name, (idea, meaning) in given.items())


def _research(config: Config) -> bool:
    return config.community or config.leadership == "hero"


DEFAULT_PHASES: tuple[Phase, ...] = (
    Phase(
        "interventions",
        apply_scheduled,
        idea="interventions as disturbances of a living system [WH]",
        description="the scenario's interventions whose `step` is t are applied, in order (7.15)",
    ),
    Phase(
        "turnover",
        turnover,
        parameters=_owns(
            turnover_rate=(
                "p3 [M91]; memory that persists across turnover [CSL]; AutoCo [SK]",
                "p3: per-step chance a member is replaced",
            )
        ),
        counters=("departures",),
        idea="people leave, the code stays [CSL]",
        description="each member leaves with probability `turnover_rate`; a newcomer takes the "
        "seat (7.13)",
        when="always (no-op if `turnover_rate` = 0)",
    ),
    Phase(
        "turbulence",
        turbulence,
        parameters=_owns(
            turbulence_rate=(
                "p4 [M91]; slow, gradual threats and continuous change [KS]; adapting to "
                "environmental change [CSL]",
                "per-step flip chance of each dimension of reality",
            )
        ),
        idea="a world of change [KS]",
        description="the task environment drifts: dimensions of reality flip, or contribution "
        "tables of the landscape are redrawn (7.1)",
    ),
    Phase(
        "act",
        act,
        idea="practice: acting on one's mental model and meeting reality [SK]",
        description="every member acts on its beliefs (coins where undecided) and performs (7.3)",
    ),
    Phase(
        "tension",
        divide_effort,
        enabled=tension_on,
        parameters=_owns(
            tension_gain=(
                "structural tension: a discrepancy that seeks resolution [FR]; creative "
                "tension (Senge)",
                "how far the gaps move the effort each step (0: the mechanism is off)",
            ),
            learning_goal=(
                "building the business: the long-run goal [FR]; exploration [M91]",
                "the code knowledge the organisation aims at",
            ),
            performance_goal=(
                "short-term results, the share price [FR]; exploitation [M91]",
                "the mean performance (over m) the organisation aims at",
            ),
            goal_hierarchy=(
                "hierarchies of importance in values turn oscillation into advancement [FR]",
                "how far the performance pull gives way while the learning gap is open "
                "(0: equal pulls; 1: learning first)",
            ),
            exploration_cost=(
                "exploration's returns are uncertain, distant, often negative [M91]; "
                "temporary incompetence [KS]",
                "performance lost per unit of exploration rate, seen the step after",
            ),
            verifications_required=(
                "T2 speed of learning vs rigour of analysis [CSL]",
                "confirmations a codification needs (1: one check, the built-in rule)",
            ),
        ),
        idea="two competing tension/resolution systems: oscillation or advancement [FR]",
        description="the learning and performance gaps move the effort on exploration, which "
        "sets this step's exploration and socialisation rates (7.23)",
        when="`tension_gain` > 0",
    ),
    Phase(
        "remember_frames",
        double_loop.remember,
        enabled=double_loop.is_on,
        idea="the frame held before learning: what entrenchment holds on to [CSL]",
        description="members' beliefs and the code are noted before the learning phases (7.21)",
        when="`entrenchment`, `code_entrenchment` or `double_loop_rate` > 0",
    ),
    Phase(
        "explore",
        explore,
        parameters=_owns(
            exploration_rate=(
                "learning through performance and practice; practice fields [CQC]; "
                "experimentation, wonder [KS]",
                "per-step chance a practitioner or researcher tests one belief",
            ),
            practice_noise=(
                "noisy feedback loops [LO]; T2 speed vs rigour [CSL]",
                "chance practice feedback is wrong",
            ),
            exploration_fear=(
                'fear vs wonder: "temporary incompetence is a character flaw" [KS]; '
                "learning is dangerous [CQC]",
                "how far low safety stops experiments: a member explores with probability "
                "`exploration_rate × (1 − exploration_fear × (1 − safety))` (7.24)",
            ),
        ),
        counters=("insights_generated", "experiments", "experiments_forgone"),
        idea="wonder: insights are born in practice [KS]",
        description="practitioners and researchers test a belief against reality; a "
        "contradiction is an insight (7.4)",
    ),
    Phase(
        "voice",
        speak_up,
        enabled=lambda config: config.voice,
        parameters=_owns(
            authority_gradient=(
                "hierarchical value system [CQC]; executives vs front lines [SK]",
                "voice discount per level of gap",
            ),
            punishment_penalty=(
                "fear of not looking good [KS]; blame culture, T4 [CSL]; the culture of "
                "punishment for bad news [CQC]",
                "share of safety lost per punishment",
            ),
            appreciation_gain=(
                "wonder: surprises as opportunities to grow, not blame [CQC]; leaders who "
                "welcome bad news [LO]",
                "share of the distance to full safety gained per appreciation",
            ),
            insight_ttl=(
                'toughest issues "remain submerged" [SK]; an unvoiced insight is lost in '
                "silence [KS]",
                "attempts to voice, and steps in the verification queue, before an insight is lost",
            ),
        ),
        counters=(
            "voice_opportunities",
            "insights_spoken",
            "insights_voiced",
            "insights_punished",
            "insights_suppressed",
        ),
        idea="fear vs wonder: voice up the hierarchy, welcomed or punished [KS], [CQC]",
        description="every insight awaiting voice is spoken up (appreciated or punished) or "
        "kept silent (7.5)",
        when="`voice` is true",
    ),
    Phase(
        "verify",
        verify_and_codify,
        enabled=_research,
        parameters=_owns(
            research_noise=(
                "rigour of research; T2 [CSL]",
                "chance a researcher's observation is wrong",
            ),
            verification_capacity=(
                "pattern detection and verification capacity [CSL]; the hero as bottleneck [CQC]",
                "insights a verifier checks per step",
            ),
            integration=(
                "walls around the three activities; fragmentation [SK], [KS]; integration [CSL]",
                "chance knowledge crosses between roles",
            ),
            bridging=(
                "communities of practice connecting silos [CSL]; capacity building meeting "
                "practice in AutoCo [SK]",
                "capacity builders' boost to crossing: `integration × (1 + bridging)`",
            ),
        ),
        counters=(
            "insights_walled",
            "insights_verified",
            "insights_refuted",
            "insights_codified",
            "flows",
            "cross_role_flows",
        ),
        idea="capture, verification and codification into memory [CSL]",
        description="researchers (or the hero) check voiced insights across the walls; "
        "verified ones are codified (7.6, 7.7)",
        when='`community` is true or `leadership = "hero"`',
    ),
    Phase(
        "reporting",
        close_reports,
        enabled=reporting_on,
        parameters=_owns(
            voice_cost=(
                "T6 local effort vs system benefit: frontline staff invest effort in incident "
                "reporting [CSL]; the cost of voice (Detert & Burris 2007)",
                "effort of one report: a share of a full score off the reporter's performance "
                "that step, and of their willingness to report",
            ),
            willingness_gain=(
                "local contributors who see tangible benefits [CSL]; feedback loops [LO]",
                "share of the distance to full willingness gained per report answered",
            ),
            willingness_loss=(
                "futility: a reason for silence (Milliken, Morrison & Hewlin 2003); "
                "organisational silence (Morrison & Milliken 2000)",
                "share of willingness lost per report that vanished",
            ),
            report_feedback=(
                "feedback is a catalyst for improvement [LO]; effectiveness monitoring [CSL]",
                "chance a reporter hears back about a report verified in time (the lever "
                "`close_the_loop` sets it)",
            ),
            feedback_window=(
                "benefits that reach the contributor visibly [CSL]",
                "steps after being heard within which a verified report counts as answered",
            ),
        ),
        counters=("reports_closed", "reports_answered"),
        idea="the cost of speaking up and closing the loop: T6 [CSL], feedback loops [LO]",
        description="reports cost their reporters performance and willingness; willingness "
        "grows when a report is verified and answered in time, withers when it vanishes (7.22)",
        when="any of `voice_cost`, `willingness_gain`, `willingness_loss` is above 0",
    ),
    Phase(
        "socialise",
        socialise,
        enabled=lambda config: not units_on(config),
        parameters=_owns(
            socialisation_rate=(
                "p1 [M91]; fitting in, being accepted [KS]; diffusion [CSL]",
                "p1: learning from the code (of every position not fast)",
            ),
            fast_learner_share=(
                "March's mixed populations of fast and slow learners [M91]: slow learning "
                "keeps the diversity the code learns from (exploration), fast learning "
                "exploits what the code knows",
                "share of positions whose occupants socialise at the fast rate: "
                "`round(share × N)` positions, fixed for the run, chosen by the seed (7.8)",
            ),
            fast_socialisation_rate=(
                "March's fast learners, p1 = 0.9 [M91]; quick socialisation, fitting in fast [KS]",
                "p1 of the fast positions (unused when `fast_learner_share` rounds to no one)",
            ),
            socialisation_mode=(
                "March's program or his paper's text [M91] (section 9)",
                "one step at a time (March's program) or straight to the code (paper's text)",
            ),
        ),
        counters=("insights_adopted", "flows", "cross_role_flows"),
        idea="diffusion: the code teaches its members [CSL], [M91]",
        description="members move their beliefs toward the code (7.8)",
        when="`units` = 0",
    ),
    Phase(
        "socialise_in_units",
        socialise_in_units,
        enabled=units_on,
        parameters=_owns(
            units=(
                "12 emergency departments whose practice diverged [CSL]; sub-units learning "
                "from local experience [CSL]",
                "how many units (departments, sites) the organisation is split into; 0: none",
            ),
            local_variation=(
                "contextual variation where warranted, T1 [CSL]",
                "share of the dimensions on which each unit's reality is the opposite of the "
                "shared one (drawn once per unit)",
            ),
            standardization=(
                "T1: standardised procedures vs local adaptation [CSL]",
                "chance a belief learns from the global code rather than its unit's practice",
            ),
        ),
        counters=("insights_adopted", "flows", "cross_role_flows"),
        idea="T1: the global code and local practice [CSL]",
        description="members move their beliefs toward the global code or their unit's "
        "practice (7.20)",
        when="`units` > 0 (in place of socialise)",
    ),
    Phase(
        "peers",
        learn_from_peers,
        parameters=_owns(
            peer_learning=(
                "imitation of the best [LF07]; learning from superior colleagues [FLS10]; "
                "interpersonal learning from the best neighbour [MZC06]",
                "how members learn from neighbours (7.9)",
            ),
            neighbour_learning_rate=(
                "peer-to-peer mentorship and peer review [LO]",
                'chance a member tries to copy a better neighbour; with `"best_neighbour"` '
                'the velocity (chance to look); with `"superior_majority"` and '
                '`"best_neighbour_beliefs"` the per-belief chance to follow (7.9)',
            ),
            copy_error=(
                "Lazer & Friedman's error in copying a solution [LF07]",
                '`"best_neighbour"`: chance each bit is not copied (a copy worse than '
                "one's own is dropped)",
            ),
        ),
        counters=("insights_adopted", "flows", "cross_role_flows"),
        idea="learning through informal ties [LO]",
        description="members learn from network neighbours by the configured rule (7.9)",
        when='always (`"random_neighbour"`: no-op if `neighbour_learning_rate` = 0)',
    ),
    Phase(
        "cross_unit_reviews",
        review_across_units,
        enabled=units_on,
        parameters=_owns(
            cross_unit_reviews=(
                "monthly cross-ED physician rounds reviewing cases [CSL]",
                "per-step chance a member meets a colleague drawn at random (from another "
                "unit: a temporary tie)",
            )
        ),
        counters=("cross_unit_learnings",),
        idea="temporary ties between units: innovations scaling across the system [CSL]",
        description="members try a colleague's belief from another unit in their own practice "
        "(7.20)",
        when="`units` > 0 (no-op if `cross_unit_reviews` = 0)",
    ),
    Phase(
        "code_learning",
        learn_code,
        parameters=_owns(
            code_learning_rate=(
                "p2 [M91]; process update and codification [CSL]",
                "p2: the code learning from the superior group",
            ),
            superior_basis=(
                "March's program or his paper's text [M91] (section 9)",
                "who is superior: by acted performance (program) or by belief knowledge "
                "(paper's text)",
            ),
            tacit_share=(
                "tacit knowledge that cannot be transmitted through codification [MZC06]; "
                "know-how passed on face to face [LO]",
                "share of the dimensions (the first `round(share × m)`) the code can never "
                "learn; only peers pass them on (7.10)",
            ),
        ),
        counters=("superior_group", "code_changes"),
        idea="single-loop learning of the organisational code [M91]",
        description="the code adopts the majority view of the superior group (7.10)",
    ),
    Phase(
        "unit_practices",
        learn_practices,
        enabled=units_on,
        parameters=_owns(
            high_stakes_share=(
                "adverse events; mortality for high-risk conditions [CSL]",
                "share of the dimensions (the last `round(share × m)`) where a wrong action "
                "is an adverse event",
            ),
            root_cause_analysis=(
                "root-cause analysis for significant events [CSL]; second-order problem "
                "solving (Tucker & Edmondson 2003)",
                "chance each problem (a dimension in a unit with adverse events this step, "
                "repeated reports aggregated) is analysed",
            ),
            incident_sharing=(
                "a shared incident-reporting system, findings distributed to all EDs [CSL]",
                "chance an analysis's finding reaches each other unit",
            ),
        ),
        counters=(
            "practice_changes",
            "adverse_events",
            "incident_analyses",
            "innovations_spread",
            "innovation_spread_steps",
        ),
        idea="each department tracking its own outcomes; learning from adverse events [CSL]",
        description="unit practices learn from their superior members; adverse events are "
        "counted and analysed (7.20)",
        when="`units` > 0",
    ),
    Phase(
        "entrench",
        double_loop.entrench,
        enabled=double_loop.is_on,
        parameters=_owns(
            entrenchment=(
                'T5: over-commitment to past learning reduces flexibility [CSL]; "we are our '
                'mental models" [CQC]',
                "chance a long-held belief's change this step is undone (at full tenure)",
            ),
            code_entrenchment=(
                'T5: "over-commitment to past learning can reduce flexibility", of learning '
                "codified into procedures [CSL]; competency traps (Levitt & March 1988)",
                "chance a change of a long-standing dimension of the code this step is undone "
                "(at full age): `code_entrenchment × min(1, age / horizon)`",
            ),
            entrenchment_horizon=(
                "attachment grows with tenure: long-held beliefs resist change [CQC]",
                "tenure (steps) at which attachment is full: "
                "`entrenchment × min(1, tenure / horizon)`; for the code, the steps since a "
                "dimension last changed",
            ),
        ),
        counters=("belief_changes", "entrenched", "code_entrenched"),
        idea="long-held beliefs resist change: entrenchment [CSL], [CQC]",
        description="each belief the learning phases changed goes back with the member's "
        "attachment, each change of the code with the code's (7.21)",
        when="`entrenchment`, `code_entrenchment` or `double_loop_rate` > 0 (draws only where "
        "an entrenchment > 0)",
    ),
    Phase(
        "double_loop",
        double_loop.reframe,
        enabled=double_loop.reframing_on,
        parameters=_owns(
            double_loop_rate=(
                "double-loop learning: questioning the assumptions themselves [CSL] "
                "(Argyris & Schon 1978)",
                "per-step chance a safe member performing below its aspiration reframes a block",
            ),
            double_loop_safety=(
                "learning is dangerous; questioning deep beliefs needs safety [KS], [CQC]",
                "safety a member needs to reframe",
            ),
            double_loop_aspiration=(
                "a performance gap: learning triggered by falling short of an aspiration "
                "(Levinthal & March 1993); discontinuous change [CSL]",
                "weight of this step's performance in the aspiration it is compared with next "
                "(1: a fall since the last step)",
            ),
            double_loop_block=(
                "interdependent beliefs revised together: mental models [CSL]",
                "on March's reality: dimensions in a row a reframing revises (a landscape "
                "uses a bit and those it depends on)",
            ),
            double_loop_tries=(
                "experiments with a new frame: practice fields [CQC]",
                "settings of the block tried; the best is adopted (the old one is not kept)",
            ),
        ),
        counters=("reframings", "double_loop_changes", "belief_changes"),
        idea="double-loop learning: revising the frame, not a value [CSL]",
        description="safe members performing below their aspiration revise a block of "
        "interdependent beliefs at once (7.21)",
        when="`double_loop_rate` > 0",
    ),
    Phase(
        "mentoring",
        mentor,
        enabled=lambda config: config.community,
        parameters=_owns(
            mentoring_rate=(
                "capacity building: coaches and mentors [SK]",
                "chance a capacity builder coaches this step",
            ),
            mentoring_safety_gain=(
                "the support of a community to face the dangers of learning [KS]; coaching "
                "builds psychological safety [CQC]",
                "share of the distance to full safety gained per coaching",
            ),
            mentoring_learning_gain=(
                "capacity to do what one couldn't do before [SK]",
                "share of the distance to `max_learning_rate` gained per coaching",
            ),
            max_learning_rate=(
                "limit of capacity building: how far coaching can raise learning",
                "ceiling of the learning-rate multiplier",
            ),
        ),
        counters=("mentorings",),
        idea="capacity building [SK]",
        description="capacity builders coach a neighbour across the walls: more safety, "
        "faster learning (7.11)",
        when="`community` is true",
    ),
    Phase(
        "climate",
        drift_to_climate,
        parameters=_owns(
            climate_drift=(
                'agreements of belonging: "never making the boss look bad" [WH]; teams take '
                "on their leader's climate [CQC]",
                "per-step pull of safety toward the manager's climate",
            )
        ),
        idea="leaders set the climate of fear or wonder [KS], [CQC]",
        description="safety drifts toward the climate the manager sets (7.12)",
    ),
    JUST_CULTURE,
    HERO_RELIANCE,
)


#: the metrics of the mechanisms that are off by default (each ``enabled`` only where its
#: mechanism is on, so other runs' tables are as they were); computed after the built-in ones
MECHANISM_METRICS: tuple[Metric, ...] = (
    *JUST_CULTURE_METRICS,
    *UNIT_METRICS,
    *double_loop.METRICS,
    *REPORTING_METRICS,
    *TENSION_METRICS,
    *FEAR_METRICS,
)


def compose(phases: Iterable[Phase], extra: Iterable[Phase]) -> tuple[Phase, ...]:
    """``phases`` with each of ``extra`` placed after (or before) the phase it names."""
    order = list(phases)
    for phase in extra:
        anchor = phase.after or phase.before
        names = [p.name for p in order]
        if anchor is None:
            order.append(phase)
            continue
        if anchor not in names:
            raise ValueError(
                f"phase '{phase.name}' goes {'after' if phase.after else 'before'} "
                f"'{anchor}', which is not a phase (phases: {', '.join(names)})"
            )
        order.insert(names.index(anchor) + (1 if phase.after else 0), phase)
    return tuple(order)
