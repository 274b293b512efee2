"""Meridian: a synthetic regional hospital trust, the worked example of an organisation of
one's own (docs/MODEL.md 7.18).

A client brings an HR export and, perhaps, who works with whom; nobody can ship a real one,
so this script makes a plausible one, deterministic from a seed (numpy ``default_rng``):

- ``configs/own/meridian.csv``, the org chart: a chief executive, senior staff with no
  reports beside the executive team, and six directorates of uneven size (about 30-110
  people), span (1-12) and depth (3-6 levels): Medicine (the deepest: head of nursing,
  matrons, ward managers, senior staff nurses, staff), Surgery and theatres (a punitive
  director: high ``punitiveness`` down the line and low surveyed ``safety``), Women's and
  children's, Clinical support (pharmacy, radiology, pathology, therapies), Nursing, quality
  and education (the clinical audit and research unit, the researchers; education and
  practice development, the capacity builders) and Corporate services. ``role`` holds job
  titles; ``unit`` the directorate; ``team`` a quality-improvement or project team drawn
  across directorates (most people are in none); ``tenure`` in steps (read as months);
  ``safety`` for the staff survey's respondents only (blank for the rest: the model's
  ``initial_safety``); ``punitiveness`` for those who manage; ``learning_rate`` for the
  graduates of the trust's improvement programme.
- ``configs/own/meridian_ties.csv``, the collaboration network (``source,target,weight``,
  weight = interactions in a quarter, as a calendar or chat export would count them): dense
  within working groups and services, thinner within a directorate, project teams, and a
  few bridges between directorates (mostly educators, researchers and pharmacists, whose
  work crosses them).
- ``configs/meridian.toml``, the scenario: the two files, a job title table for every title
  used, otherwise the default scenario's parameters.

It writes only those three files, and replaces one that exists only with ``--force``.

    .venv/bin/python experiments/make_own_organisation.py [--seed N] [--force]
"""

from __future__ import annotations

import argparse
import csv
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "configs" / "own"
NAME = "meridian"
SEED = 2026
TIERS = ("practitioner", "researcher", "capacity_builder")
COLUMNS = (
    "id",
    "manager",
    "team",
    "role",
    "unit",
    "tenure",
    "safety",
    "punitiveness",
    "learning_rate",
)


@dataclass(frozen=True)
class Service:
    """A service under a directorate: its head, the management layers below the head (job
    title, fewest and most reports each), and the front line under the lowest layer."""

    head: str
    layers: tuple[tuple[str, int, int], ...]
    staff: tuple[tuple[str, float], ...]  # front-line job titles and their shares
    team: tuple[int, int]  # front-line people under each lowest manager, fewest and most


@dataclass(frozen=True)
class Directorate:
    unit: str
    director: str
    services: tuple[Service, ...]
    aside: tuple[str, ...] = ()  # report to the director, with no reports of their own
    punitive: bool = False  # the director's climate: punitive, and so down the line


# Job titles and the role each plays in the learning community (docs/MODEL.md 7.2): the
# researchers check what practice finds, the capacity builders teach and coach.
RESEARCHERS = (
    "Head of clinical audit and research",
    "Research and audit team lead",
    "Clinical audit facilitator",
    "Research fellow",
    "Data analyst",
    "Research nurse lead",
    "Research nurse",
    "Patient safety specialist",
)
CAPACITY_BUILDERS = (
    "Head of education and practice development",
    "Clinical educator",
    "Practice development nurse",
    "Quality improvement coach",
    "Practice educator",
    "Freedom to speak up guardian",
)

# whose work takes them across the directorates: the collaboration network's bridges, with
# the researchers and capacity builders
PHARMACISTS = ("Chief pharmacist", "Lead pharmacist", "Pharmacist")

EXECUTIVE_ASIDE = (
    "Medical director",
    "Company secretary",
    "Freedom to speak up guardian",
    "Head of communications",
    "Executive assistant",
)

MEDICINE, SURGERY, WOMEN = "Medicine", "Surgery and theatres", "Women's and children's"
SUPPORT, NURSING = "Clinical support services", "Nursing, quality and education"
CORPORATE, EXECUTIVE = "Corporate services", "Executive office"

DIRECTORATES = (
    Directorate(
        MEDICINE,
        "Director of medicine",
        (
            Service(
                "Head of nursing",
                (("Matron", 3, 3), ("Ward manager", 2, 3), ("Senior staff nurse", 1, 2)),
                (("Staff nurse", 0.6), ("Healthcare assistant", 0.4)),
                (4, 6),
            ),
            Service(
                "Clinical director",
                (("Consultant physician", 4, 6),),
                (("Specialty registrar", 0.4), ("Foundation doctor", 0.6)),
                (2, 4),
            ),
            Service("Research nurse lead", (), (("Research nurse", 1.0),), (3, 4)),
        ),
        aside=("Directorate manager", "Practice educator", "Practice educator"),
    ),
    Directorate(
        SURGERY,
        "Director of surgery",
        (
            Service(
                "Matron",
                (("Ward manager", 3, 4),),
                (("Staff nurse", 0.6), ("Healthcare assistant", 0.4)),
                (6, 10),
            ),
            Service(
                "Theatre manager",
                (("Theatre team leader", 3, 4),),
                (("Scrub nurse", 0.5), ("Operating department practitioner", 0.5)),
                (3, 6),
            ),
            Service(
                "Clinical director",
                (("Consultant surgeon", 4, 5),),
                (("Specialty registrar", 0.5), ("Foundation doctor", 0.5)),
                (1, 3),
            ),
        ),
        aside=("Directorate manager", "Practice educator", "Research nurse", "Research nurse"),
        punitive=True,
    ),
    Directorate(
        WOMEN,
        "Director of women's and children's services",
        (
            Service(
                "Head of midwifery",
                (("Midwifery team leader", 3, 4),),
                (("Midwife", 0.8), ("Maternity support worker", 0.2)),
                (5, 8),
            ),
            Service(
                "Matron",
                (("Ward manager", 1, 2), ("Senior staff nurse", 2, 2)),
                (("Children's nurse", 0.7), ("Healthcare assistant", 0.3)),
                (2, 4),
            ),
            Service(
                "Clinical director",
                (("Consultant obstetrician", 2, 3),),
                (("Specialty registrar", 1.0),),
                (1, 2),
            ),
        ),
        aside=("Safeguarding lead",),
    ),
    Directorate(
        SUPPORT,
        "Director of clinical support services",
        (
            Service(
                "Chief pharmacist",
                (("Lead pharmacist", 2, 3),),
                (("Pharmacist", 0.5), ("Pharmacy technician", 0.5)),
                (4, 6),
            ),
            Service(
                "Radiology services manager",
                (),
                (("Radiographer", 0.8), ("Radiology assistant", 0.2)),
                (8, 12),
            ),
            Service(
                "Pathology manager",
                (("Laboratory team leader", 2, 2),),
                (("Biomedical scientist", 0.7), ("Laboratory assistant", 0.3)),
                (4, 6),
            ),
            Service(
                "Therapies lead",
                (),
                (("Physiotherapist", 0.6), ("Occupational therapist", 0.4)),
                (6, 10),
            ),
        ),
        aside=("Business manager",),
    ),
    Directorate(
        NURSING,
        "Chief nurse",
        (
            Service(
                "Head of clinical audit and research",
                (("Research and audit team lead", 2, 2),),
                (
                    ("Clinical audit facilitator", 0.5),
                    ("Research fellow", 0.25),
                    ("Data analyst", 0.25),
                ),
                (4, 6),
            ),
            Service(
                "Head of education and practice development",
                (),
                (
                    ("Clinical educator", 0.5),
                    ("Practice development nurse", 0.3),
                    ("Quality improvement coach", 0.2),
                ),
                (9, 12),
            ),
            Service(
                "Head of patient safety",
                (),
                (("Patient safety specialist", 0.6), ("Risk and incident officer", 0.4)),
                (3, 5),
            ),
        ),
        aside=("Infection prevention lead", "Lead nurse for patient experience"),
    ),
    Directorate(
        CORPORATE,
        "Director of finance and corporate services",
        (
            Service(
                "Head of finance",
                (),
                (("Finance officer", 0.7), ("Management accountant", 0.3)),
                (7, 10),
            ),
            Service(
                "Head of people", (), (("HR advisor", 0.6), ("Recruitment officer", 0.4)), (5, 8)
            ),
            Service(
                "Head of estates and facilities",
                (),
                (("Estates officer", 0.5), ("Facilities supervisor", 0.5)),
                (6, 9),
            ),
            Service("Head of information", (), (("Information analyst", 1.0),), (3, 5)),
        ),
        aside=("Head of information governance",),
    ),
)

# Quality-improvement and project teams: a name and the directorates they draw on, most from
# the first.
MATRIX_TEAMS = (
    ("QI falls prevention", (MEDICINE, SUPPORT, NURSING)),
    ("QI sepsis pathway", (MEDICINE, SURGERY, SUPPORT)),
    ("QI medicines safety", (MEDICINE, SUPPORT, SURGERY)),
    ("QI safer births", (WOMEN, SUPPORT)),
    ("QI discharge planning", (MEDICINE, SUPPORT, CORPORATE)),
    ("Project electronic prescribing", (SUPPORT, CORPORATE, MEDICINE)),
    ("Project theatre scheduling", (SURGERY, CORPORATE)),
    ("Project staff wellbeing", (CORPORATE, NURSING, WOMEN)),
)

SURVEY_RESPONSE = 0.55  # the staff survey's response rate: the others' safety is left blank
GRADUATE_RATE = 1.25  # the improvement programme's graduates learn a little faster
# Who works with whom: the chance that a pair has a tie, and its mean interactions a quarter,
# by the closest thing the pair shares (checked in this order).
CLOSENESS = (
    ("reporting line", 0.85, 20.0),
    ("working group", 0.55, 12.0),
    ("matrix team", 0.6, 6.0),
    ("service", 0.10, 4.0),
    ("directorate", 0.03, 3.0),
    ("bridge", 0.008, 3.0),
    ("none", 0.001, 2.0),
)


@dataclass
class Chart:
    """The organisation as it is built: one entry per person, in depth-first order."""

    manager: list[int] = field(default_factory=list)  # -1 for the top
    title: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    service: list[int] = field(default_factory=list)  # the service head's row, -1 above

    def add(self, manager: int, title: str, unit: str, service: int = -1) -> int:
        self.manager.append(manager)
        self.title.append(title)
        self.unit.append(unit)
        self.service.append(service)
        return len(self.manager) - 1

    @property
    def n(self) -> int:
        return len(self.manager)

    def reports(self) -> np.ndarray:
        return np.bincount(np.array(self.manager[1:]), minlength=self.n)


def depths(manager: Sequence[int] | np.ndarray) -> np.ndarray:
    """Each person's depth below the top (managers come before their reports)."""
    depth = np.zeros(len(manager), dtype=np.int64)
    for row in range(1, len(manager)):
        depth[row] = depth[manager[row]] + 1
    return depth


@dataclass(frozen=True)
class Meridian:
    """The made organisation: the chart's columns and the collaboration ties, by row."""

    ids: np.ndarray
    manager: np.ndarray  # row, -1 for the top
    title: np.ndarray
    unit: np.ndarray
    team: np.ndarray  # "" for no matrix team
    tenure: np.ndarray  # -1 for unknown
    safety: np.ndarray  # NaN for no survey answer
    punitiveness: np.ndarray  # NaN for those who manage no one
    learning_rate: np.ndarray  # NaN for the model's own
    edges: np.ndarray  # (E, 2) rows, low < high
    weight: np.ndarray  # (E,) interactions

    @property
    def n(self) -> int:
        return int(self.ids.size)


def build_chart(rng: np.random.Generator) -> Chart:
    """The reporting lines, depth-first: the top, the executive, each directorate."""
    chart = Chart()
    top = chart.add(-1, "Chief executive", EXECUTIVE)
    for title in EXECUTIVE_ASIDE:
        chart.add(top, title, EXECUTIVE)
    for directorate in DIRECTORATES:
        director = chart.add(top, directorate.director, directorate.unit)
        for title in directorate.aside:
            chart.add(director, title, directorate.unit)
        for service in directorate.services:
            add_service(chart, rng, director, directorate.unit, service)
    return chart


def add_service(
    chart: Chart, rng: np.random.Generator, director: int, unit: str, service: Service
) -> None:
    """A service's head, its layers of managers (each with a drawn span), its front line."""
    head = chart.add(director, service.head, unit)
    chart.service[head] = head
    lowest = [head]
    for title, fewest, most in service.layers:
        lowest = [
            chart.add(boss, title, unit, head)
            for boss in lowest
            for _ in range(int(rng.integers(fewest, most + 1)))
        ]
    titles = [title for title, _ in service.staff]
    mix = np.array([weight for _, weight in service.staff])
    for boss in lowest:
        size = int(rng.integers(service.team[0], service.team[1] + 1))
        for pick in rng.choice(len(titles), size=size, p=mix / mix.sum()):
            chart.add(boss, titles[pick], unit, head)


def matrix_teams(chart: Chart, rng: np.random.Generator) -> np.ndarray:
    """Each person's matrix team ("" for none): 6-10 members each, from the team's
    directorates but the directors, one coach from education in each QI team."""
    team = np.full(chart.n, "", dtype=object)
    unit = np.array(chart.unit, dtype=object)
    title = np.array(chart.title, dtype=object)
    eligible = (np.array(chart.manager) >= 0) & (unit != EXECUTIVE)
    eligible &= ~np.isin(title, [d.director for d in DIRECTORATES])
    for name, units in MATRIX_TEAMS:
        size = int(rng.integers(6, 11))
        if name.startswith("QI"):
            coaches = np.flatnonzero(
                eligible & (team == "") & np.isin(title, CAPACITY_BUILDERS) & (unit == units[-1])
            )
            coaches = (
                coaches
                if coaches.size
                else np.flatnonzero(eligible & (team == "") & np.isin(title, CAPACITY_BUILDERS))
            )
            team[rng.choice(coaches)] = name
            size -= 1
        pool = np.flatnonzero(eligible & (team == "") & np.isin(unit, units))
        weight = np.array([len(units) - units.index(u) for u in unit[pool]], dtype=float)
        team[rng.choice(pool, size=size, replace=False, p=weight / weight.sum())] = name
    return team


def traits(chart: Chart, team: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Tenure, the survey's safety, managers' punitiveness, graduates' learning rate."""
    n = chart.n
    depth = depths(chart.manager)
    manages = chart.reports() > 0
    punitive_units = [d.unit for d in DIRECTORATES if d.punitive]
    harsh = np.isin(np.array(chart.unit, dtype=object), punitive_units)
    title = np.array(chart.title, dtype=object)
    # tenure: longer up the line; about 1 in 30 unknown (bank and agency staff)
    seniority = np.where(manages, 2.0, 1.0) * (1.0 + 0.15 * (depth.max() - depth))
    tenure = np.rint(rng.gamma(2.0, 24.0 * seniority)).astype(np.int64)
    tenure[rng.random(n) < 1 / 30] = -1
    # the staff survey: safer higher up, lower under the punitive director
    centre = np.where(harsh, 0.38, 0.62) + np.where(manages, 0.06, 0.0)
    safety = np.clip(rng.normal(centre, 0.12), 0.05, 0.95).round(2)
    safety[rng.random(n) >= SURVEY_RESPONSE] = np.nan
    # managers' punitiveness (an upward-feedback item): the punitive director sets the tone
    punitiveness = np.clip(rng.normal(np.where(harsh, 0.45, 0.18), 0.08), 0.02, 0.9).round(2)
    director = np.isin(title, [d.director for d in DIRECTORATES if d.punitive])
    punitiveness[director] = 0.75
    punitiveness[~manages] = np.nan
    # the improvement programme's graduates: coaches and a third of the QI teams' members
    graduate = np.isin(title, ["Quality improvement coach"])
    graduate |= (np.char.startswith(team.astype(str), "QI")) & (rng.random(n) < 1 / 3)
    learning_rate = np.where(graduate, GRADUATE_RATE, np.nan)
    return {
        "tenure": tenure,
        "safety": safety,
        "punitiveness": punitiveness,
        "learning_rate": learning_rate,
    }


def closeness(chart: Chart, team: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For pairs (a, b), the index in CLOSENESS of the closest thing they share."""
    manager = np.array(chart.manager)
    unit = np.array(chart.unit, dtype=object)
    service = np.array(chart.service)
    title = np.array(chart.title, dtype=object)
    spanner = np.isin(title, [*RESEARCHERS, *CAPACITY_BUILDERS, *PHARMACISTS])
    clinical = ~np.isin(unit, [CORPORATE, EXECUTIVE])
    tests = (
        (manager[a] == b) | (manager[b] == a),
        manager[a] == manager[b],
        (team[a] != "") & (team[a] == team[b]),
        (service[a] >= 0) & (service[a] == service[b]),
        unit[a] == unit[b],
        (spanner[a] & clinical[b]) | (spanner[b] & clinical[a]),
    )
    kind = np.full(a.size, len(tests), dtype=np.int64)
    for k in reversed(range(len(tests))):  # the first that holds wins
        kind[tests[k]] = k
    return kind


def collaboration(
    chart: Chart, team: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Ties drawn pair by pair at CLOSENESS's chances; weights from a gamma-Poisson (counts
    with a long tail: a few pairs talk every day)."""
    a, b = np.triu_indices(chart.n, k=1)
    kind = closeness(chart, team, a, b)
    chance = np.array([c for _, c, _ in CLOSENESS])[kind]
    tied = rng.random(a.size) < chance
    mean = np.array([m for _, _, m in CLOSENESS])[kind[tied]]
    weight = 1 + rng.poisson(rng.gamma(2.0, mean / 2.0))
    return np.stack([a[tied], b[tied]], axis=1), weight.astype(np.int64)


def make(seed: int = SEED) -> Meridian:
    """The whole organisation from one seed: chart, teams, traits, ties, ids."""
    rng = np.random.default_rng(seed)
    chart = build_chart(rng)
    team = matrix_teams(chart, rng)
    drawn = traits(chart, team, rng)
    edges, weight = collaboration(chart, team, rng)
    numbers = rng.choice(np.arange(10_000, 100_000), size=chart.n, replace=False)
    return Meridian(
        ids=np.array([f"MRD{k}" for k in numbers], dtype=object),
        manager=np.array(chart.manager, dtype=np.int64),
        title=np.array(chart.title, dtype=object),
        unit=np.array(chart.unit, dtype=object),
        team=team,
        edges=edges,
        weight=weight,
        **drawn,
    )


def _number(value: float) -> str:
    return "" if np.isnan(value) else f"{value:g}"


def chart_csv(org: Meridian) -> str:
    """The org chart as an HR export would give it: one row per person, depth-first."""
    rows = [
        [
            org.ids[row],
            org.ids[org.manager[row]] if org.manager[row] >= 0 else "",
            org.team[row],
            org.title[row],
            org.unit[row],
            "" if org.tenure[row] < 0 else str(org.tenure[row]),
            _number(org.safety[row]),
            _number(org.punitiveness[row]),
            _number(org.learning_rate[row]),
        ]
        for row in range(org.n)
    ]
    return _csv([list(COLUMNS), *rows])


def ties_csv(org: Meridian) -> str:
    """The collaboration network by id, weight = interactions in a quarter."""
    rows = [
        [org.ids[a], org.ids[b], str(w)] for (a, b), w in zip(org.edges, org.weight, strict=True)
    ]
    return _csv([["source", "target", "weight"], *rows])


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def share(count: int, n: int) -> float:
    """The shortest share that the generated tree rounds down to ``count`` of ``n`` (it
    gives floor(share x n) positions a role)."""
    for digits in range(2, 10):
        value = round(count / n + 0.5 * 10**-digits, digits)
        if int(np.floor(value * n)) == count:
            return value
    raise ValueError(f"no share gives {count} of {n}")


def role_of(title: str) -> str:
    if title in RESEARCHERS:
        return "researcher"
    return "capacity_builder" if title in CAPACITY_BUILDERS else "practitioner"


@dataclass(frozen=True)
class Facts:
    """What the scenario's header says of the organisation (and the tree's role counts)."""

    people: int
    levels: int  # from the chief executive to the deepest front line
    per_unit: dict[str, int]
    unit_levels: dict[str, int]  # a directorate's levels, its director the first
    spans: tuple[int, int]  # fewest and most reports of those who manage
    teams: int
    in_teams: int
    ties: int
    roles: dict[str, int]
    surveyed: int
    managers: int


def facts(org: Meridian) -> Facts:
    depth = depths(org.manager)
    units = [d.unit for d in DIRECTORATES]
    roles = [role_of(t) for t in org.title]
    reports = np.bincount(org.manager[1:], minlength=org.n)
    return Facts(
        people=org.n,
        levels=int(depth.max()) + 1,
        per_unit={u: int((org.unit == u).sum()) for u in units},
        unit_levels={u: int(depth[org.unit == u].max()) for u in units},
        spans=(int(reports[reports > 0].min()), int(reports.max())),
        teams=len({t for t in org.team if t}),
        in_teams=int((org.team != "").sum()),
        ties=int(org.edges.shape[0]),
        roles={tier: roles.count(tier) for tier in TIERS},
        surveyed=int((~np.isnan(org.safety)).sum()),
        managers=int((~np.isnan(org.punitiveness)).sum()),
    )


def scenario_toml(org: Meridian, seed: int) -> str:
    """The scenario: a header saying what Meridian is and how it was made, the default
    scenario's parameters (n_agents left to the chart), and every job title's role."""
    f = facts(org)
    units = ", ".join(f"{u} {k}" for u, k in f.per_unit.items())
    depths = f"{min(f.unit_levels.values())}-{max(f.unit_levels.values())}"
    about = (
        f"own/meridian.csv: {f.people} people, {f.levels} levels from the chief executive to "
        f"the deepest front line, spans {f.spans[0]}-{f.spans[1]}. Directorates ({depths} "
        f"levels each): {units}. {len(EXECUTIVE_ASIDE)} senior staff beside the directors "
        f"report to the chief executive and manage no one. {f.teams} quality-improvement "
        f"and project teams ({f.in_teams} people drawn across directorates: the team "
        f"ties). Roles from job titles: {f.roles['practitioner']} practitioners, "
        f"{f.roles['researcher']} researchers, {f.roles['capacity_builder']} capacity "
        f"builders. Survey safety for "
        f"{f.surveyed} people (lower in Surgery and theatres, under a punitive director); "
        f"punitiveness for the {f.managers} who manage; tenure in steps (read as months). "
        f"own/meridian_ties.csv: {f.ties} collaboration ties, weight = interactions in a "
        "quarter."
    )
    header = [
        "Meridian: a regional hospital trust, the worked example of an organisation of one's "
        "own (docs/MODEL.md 7.18). Synthetic, not a real trust, made by",
        f"    .venv/bin/python experiments/make_own_organisation.py --seed {seed}",
        "(the same seed makes the same files; the script says how).",
        "",
        about,
        "",
        "Otherwise the default scenario's parameters (configs/default.toml).",
    ]
    lines = [part for text in header for part in _comment(text)]
    lines += [f'name = "{NAME}"', 'org_chart = "own/meridian.csv"']
    lines += ['collaboration = "own/meridian_ties.csv"', *default_parameters(), ""]
    lines += ["# every job title in the chart, as one of the three roles", "[org_chart_roles]"]
    titles = sorted(set(org.title), key=lambda t: (TIERS.index(role_of(t)), t))
    lines += [f'"{t}" = "{role_of(t)}"' for t in titles]
    return "\n".join(lines) + "\n"


def _comment(text: str) -> list[str]:
    """A paragraph as TOML comment lines (an indented line kept as it is)."""
    if not text or text.startswith(" "):
        return [f"# {text}".rstrip()]
    return ["# " + line for line in textwrap.wrap(text, width=90)]


def default_parameters() -> list[str]:
    """The default scenario's parameter lines but its name and size (the chart sets N)."""
    text = (ROOT / "configs" / "default.toml").read_text(encoding="utf-8")
    keep = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [line for line in keep if line.split("=")[0].strip() not in ("name", "n_agents")]


def write(files: dict[Path, str], force: bool) -> None:
    """Write the files, refusing (before any is written) to replace one without --force."""
    there = [path for path in files if path.exists()]
    if there and not force:
        names = ", ".join(_shown(p) for p in there)
        raise SystemExit(f"{names}: already there; --force replaces them")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {_shown(path)}")


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    parser.add_argument(
        "--force", action="store_true", help="replace the files in configs/own/ if there"
    )
    args = parser.parse_args(argv)
    org = make(args.seed)
    write(
        {
            OWN / f"{NAME}.csv": chart_csv(org),
            OWN / f"{NAME}_ties.csv": ties_csv(org),
            ROOT / "configs" / f"{NAME}.toml": scenario_toml(org, args.seed),
        },
        args.force,
    )
    f = facts(org)
    print(f"{f.people} people, {f.levels} levels, {f.teams} matrix teams, {f.ties} ties")
    print("for the generated tree of the same size and roles (own_organisation_tree.toml):")
    shares = {tier: share(f.roles[tier], f.people) for tier in TIERS[1:]}
    print(f"    n_agents = {f.people}")
    print(f"    practitioner_share = {round(1.0 - sum(shares.values()), 9):g}")
    for tier, value in shares.items():
        print(f"    {tier}_share = {value:g}")


if __name__ == "__main__":
    main()
