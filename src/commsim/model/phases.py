"""The step as data: every built-in mechanism as a ``Phase``, in the documented order.

``DEFAULT_PHASES`` is the step (docs/MODEL.md, "Process overview and scheduling"): the model
runs the phases its config switches on, in this order, then records the metrics. Each phase
names the parameters it owns (their defaults and ranges come from the config's schema) and
the seed idea each stands for, and the counters it increments. ``compose`` places an
extension's phases among them.
"""

from __future__ import annotations

from collections.abc import Iterable

from commsim.catalogue import Phase
from commsim.config import Config, config_parameter
from commsim.model.community import mentor, verify_and_codify
from commsim.model.environment import turbulence
from commsim.model.learning import learn_code, socialise
from commsim.model.levers import apply_scheduled
from commsim.model.peers import learn_from_peers
from commsim.model.practice import act, explore
from commsim.model.turnover import turnover
from commsim.model.voice import drift_to_climate, speak_up


def _owns(**ideas: str) -> tuple:
    return tuple(config_parameter(name, idea) for name, idea in ideas.items())


def _research(config: Config) -> bool:
    return config.community or config.leadership == "hero"


DEFAULT_PHASES: tuple[Phase, ...] = (
    Phase(
        "interventions",
        apply_scheduled,
        idea="interventions as disturbances of a living system [WH]",
        description="the scenario's interventions scheduled for this step",
    ),
    Phase(
        "turnover",
        turnover,
        parameters=_owns(turnover_rate="memory that outlives turnover [CSL]; March's p3 [M91]"),
        counters=("departures",),
        idea="people leave, the code stays [CSL]",
        description="each member leaves with probability turnover_rate; a newcomer takes the seat",
    ),
    Phase(
        "turbulence",
        turbulence,
        parameters=_owns(turbulence_rate="a world of change [KS]; March's p4 [M91]"),
        idea="a world of change [KS]",
        description="the task environment drifts",
    ),
    Phase(
        "act",
        act,
        idea="practice: acting on one's mental model and meeting reality [SK]",
        description="every member acts on its beliefs (coins where undecided) and performs",
    ),
    Phase(
        "explore",
        explore,
        parameters=_owns(
            exploration_rate="wonder: testing one's beliefs against reality [KS]",
            practice_noise="what practice sees of reality, noisily [SK]",
        ),
        counters=("insights_generated",),
        idea="wonder: insights are born in practice [KS]",
        description="practitioners and researchers test a belief; a contradiction is an insight",
    ),
    Phase(
        "voice",
        speak_up,
        enabled=lambda config: config.voice,
        parameters=_owns(
            authority_gradient="the hierarchy's distance to the top [CQC]",
            punishment_penalty="the culture of punishment for bad news [CQC]",
            appreciation_gain="leaders who welcome bad news [LO]",
            insight_ttl="an unvoiced insight is lost in silence [KS]",
        ),
        counters=(
            "voice_opportunities",
            "insights_spoken",
            "insights_voiced",
            "insights_punished",
            "insights_suppressed",
        ),
        idea="fear vs wonder: voice up the hierarchy, welcomed or punished [KS], [CQC]",
        description="every insight awaiting voice is spoken up, punished or kept silent",
    ),
    Phase(
        "verify",
        verify_and_codify,
        enabled=_research,
        parameters=_owns(
            research_noise="research checks insights against reality carefully [SK]",
            verification_capacity="hero leadership as a bottleneck [CQC]",
            integration="walls between practice, research and capacity building [SK]",
            bridging="capacity builders bridge the walls [SK]",
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
        description="researchers (or the hero) check voiced insights; verified ones are codified",
    ),
    Phase(
        "socialise",
        socialise,
        parameters=_owns(
            socialisation_rate="learning from the organisation's code: March's p1 [M91]",
            fast_learner_share="March's mix of fast and slow learners [M91]",
            fast_socialisation_rate="fast learners' p1 [M91]",
            socialisation_mode="gradual or jump adoption of the code [M91]",
        ),
        counters=("insights_adopted", "flows", "cross_role_flows"),
        idea="diffusion: the code teaches its members [CSL], [M91]",
        description="members move their beliefs toward the code",
    ),
    Phase(
        "peers",
        learn_from_peers,
        parameters=_owns(
            peer_learning="whom and how members copy (commsim, Lazer & Friedman, Fang et al.)",
            neighbour_learning_rate="informal learning between colleagues [LO]",
            copy_error="Lazer & Friedman's error in copying a solution",
        ),
        counters=("insights_adopted", "flows", "cross_role_flows"),
        idea="learning through informal ties [LO]",
        description="members learn from network neighbours by the configured rule",
    ),
    Phase(
        "code_learning",
        learn_code,
        parameters=_owns(
            code_learning_rate="the code learns from those who do better: March's p2 [M91]",
            superior_basis="who counts as superior: performance or knowledge [M91]",
        ),
        counters=("superior_group", "code_changes"),
        idea="single-loop learning of the organisational code [M91]",
        description="the code adopts the superior group's majority view",
    ),
    Phase(
        "mentoring",
        mentor,
        enabled=lambda config: config.community,
        parameters=_owns(
            mentoring_rate="capacity building: coaches and mentors [SK]",
            mentoring_safety_gain="coaching builds psychological safety [CQC]",
            mentoring_learning_gain="coaching speeds learning [SK]",
            max_learning_rate="how far coaching can raise learning",
        ),
        counters=("mentorings",),
        idea="capacity building [SK]",
        description="capacity builders coach a neighbour: more safety, faster learning",
    ),
    Phase(
        "climate",
        drift_to_climate,
        parameters=_owns(climate_drift="teams take on their leader's climate [CQC]"),
        idea="leaders set the climate of fear or wonder [KS], [CQC]",
        description="safety drifts toward the climate the manager sets",
    ),
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
