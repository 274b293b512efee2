"""The page's widgets: live charts, the network view, and the participant's controls.

Each component takes the participant's ``LiveRun`` and the ``version`` that counts its
changes; nothing here holds state that another browser session could see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipyvuetify
import solara
import traitlets

from commsim.app import charts, theme
from commsim.app.live import Traits, use_live
from commsim.app.session import COLOUR_BY, LiveRun, argument_label
from commsim.catalogue import Catalogue, Lever, Parameter, always
from commsim.config import HASHED_WHEN_SET, Config, ConfigError
from commsim.model import CommunityModel


class LiveChartWidget(ipyvuetify.VuetifyTemplate):
    """An ECharts chart fed by ``base`` / ``tail`` / ``patch`` (see ``charts.py``).

    The three arrive as JSON text: the page's renderer then passes them on as they are,
    instead of walking 500 members' dicts every step looking for child widgets.
    """

    template_file = (__file__, "live_chart.vue")
    base = traitlets.Unicode("{}").tag(sync=True)
    tail = traitlets.Unicode("[]").tag(sync=True)
    patch = traitlets.Unicode("{}").tag(sync=True)
    height = traitlets.Unicode("260px").tag(sync=True)
    testid = traitlets.Unicode("chart").tag(sync=True)


@solara.component
def LiveChart(base: str, tail: str, patch: str, height: str, testid: str) -> solara.Element:
    return LiveChartWidget.element(base=base, tail=tail, patch=patch, height=height, testid=testid)


def cached(memo: dict[str, Any], name: str, key: Any, compute: Callable[[], str]) -> str:
    """``compute()`` once per ``key``: what a chart sends rarely (its base, its markers)."""
    if name not in memo or memo[name][0] != key:
        memo[name] = (key, compute())
    return memo[name][1]


def series_traits(plot: charts.Plot, run: LiveRun, projector: bool, memo: dict) -> Traits:
    """A live plot's base (rebuilt every ``REBASE`` steps), tail (every step) and markers."""
    runs = [(name, model.recorded()) for name, model in run.models()]
    upto = charts.rebase_point(len(runs[0][1]))
    base = cached(
        memo,
        "base",
        (upto, len(runs), projector),
        lambda: charts.as_json(charts.series_base(plot, runs, upto, projector)),
    )
    shown = tuple(run.marks)  # a repeated click changes a count, not the number of marks
    marks = cached(
        memo,
        "marks",
        (shown, projector),
        lambda: charts.as_json(charts.marks_patch(shown, theme.look(projector))),
    )
    tail = charts.as_json(charts.series_tail(plot, runs, upto))
    return {"base": base, "tail": tail, "patch": marks}


def network_traits(
    run: LiveRun, variant: str, model: CommunityModel, colour_by: str, projector: bool, memo: dict
) -> Traits:
    """The org chart's base (drawn once per colouring) and this step's colours and events."""
    base = cached(
        memo,
        "base",
        (colour_by, projector),
        lambda: charts.as_json(charts.network_base(run, colour_by, "The organisation", projector)),
    )
    flash = run.flash[variant]
    patch = charts.network_patch(run, variant, model, flash, colour_by, projector)
    return {"base": base, "tail": "[]", "patch": charts.as_json(patch)}


def live_chart(name: str, height: int, traits: Callable[[], Traits]) -> solara.Element:
    """A chart drawn from ``traits()`` after each render and, between renders, updated in
    place from the same function (``use_live``); called inside a component."""
    chart = LiveChartWidget.element(height=f"{height}px", testid=name)
    use_live(name, chart, traits)
    return chart


@solara.component
def TimeSeries(plot: charts.Plot, run: LiveRun, version: int) -> solara.Element:
    """A live plot; while its team plays, steps reach it without a render (``live.py``)."""
    projector = theme.projector.value
    memo = solara.use_memo(dict, [id(run), plot])

    def traits() -> Traits:
        return series_traits(plot, run, projector, memo)

    return live_chart(f"plot-{plot.key}", theme.look(projector).plot_height, traits)


@solara.component
def NetworkView(run: LiveRun, variant: str, model: CommunityModel, colour_by: str, version: int):
    """The org chart: static lines drawn once, members' colours and this step's events."""
    projector = theme.projector.value
    memo = solara.use_memo(dict, [id(run), variant])

    def traits() -> Traits:
        return network_traits(run, variant, model, colour_by, projector, memo)

    return live_chart(f"network-{variant}", theme.look(projector).network_height, traits)


@dataclass(frozen=True)
class Slider:
    """A scenario parameter the page offers, with the range a workshop needs."""

    field: str
    label: str
    low: float
    high: float
    step: float


# the Scenario card's: what a run starts with (applied on Reset); a lever's argument of the
# same name acts at once, so these say "at start" (``scenario_label``)
SLIDERS = (
    Slider("n_agents", "members", 20, 1000, 10),
    Slider("initial_safety", "safety at start", 0, 1, 0.05),
    Slider("punitiveness", "punitiveness", 0, 1, 0.05),
    Slider("authority_gradient", "authority gradient", 0, 1, 0.05),
    Slider("integration", "integration", 0, 1, 0.05),
    Slider("exploration_rate", "exploration rate", 0, 1, 0.05),
    Slider("socialisation_rate", "socialisation rate p1", 0, 1, 0.05),
    Slider("code_learning_rate", "code learning rate p2", 0, 1, 0.05),
    Slider("turnover_rate", "turnover rate", 0, 0.2, 0.01),
    Slider("turbulence_rate", "turbulence rate", 0, 0.2, 0.01),
)


def scenario_label(slider: Slider, catalogue: Catalogue) -> str:
    """A Scenario slider's label, never one a lever's argument also has: "punitiveness at
    start" (on Reset) beside the lever's "punitiveness" (at once)."""
    taken = {argument_label(p) for lever in catalogue.levers for p in lever.parameters}
    return f"{slider.label} at start" if slider.label in taken else slider.label


def parse_seed(text: str | None) -> tuple[int | None, str | None]:
    """The seed a participant typed, or the one-line error that says what is allowed."""
    raw = (text or "").strip()
    if raw.isascii() and raw.isdigit():
        return int(raw), None
    return None, f"seed {raw!r}: a whole number, 0 or more (e.g. 7)"


def plain(markdown: str) -> str:
    """Catalogue text (Markdown) as a tooltip shows it: code marks and links' targets gone."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", markdown)
    return text.replace("`", "").replace("**", "")


def lever_tooltip(lever: Lever) -> str:
    """What a lever's button does, and the seed idea behind it."""
    return f"{plain(lever.description)}. Seed idea: {plain(lever.idea)}"


def mechanism_sliders(catalogue: Catalogue, config: Config) -> tuple[Slider, ...]:
    """The numbers of each mechanism the scenario switches on (those off by default): a preset
    that uses one shows its sliders, and the others stay out of the way. A mechanism's number
    in a phase that always runs (fear in exploration) shows where the scenario sets it."""
    return tuple(
        Slider(
            p.name,
            argument_label(p),
            p.low,
            p.high,
            1 if p.integer else SLIDER_STEP,
        )
        for phase in catalogue.phases
        if phase.enabled(config)
        for p in phase.parameters
        if p.name in HASHED_WHEN_SET
        and (phase.enabled is not always or getattr(config, p.name) != p.default)
        and p.kind in ("number", "integer")
        and p.low is not None
        and p.high is not None
    )


@solara.component
def ScenarioControls(
    presets: dict[str, Config],
    config: Config,
    on_reset: Callable[[Config], None],
    catalogue: Catalogue,
) -> solara.Element:
    """Preset, seed and sliders; nothing changes the run until Reset (or a new preset). A
    slider moved since the last Reset says so, and Reset counts the changes it will apply."""
    shown = SLIDERS + mechanism_sliders(catalogue, config)
    pending = solara.use_reactive({})  # slider values set since the last Reset
    seed_text = solara.use_reactive(str(config.seed))
    error = solara.use_reactive(None)
    names = list(presets)
    current = next((n for n, c in presets.items() if c.name == config.name), names[0])
    seed, seed_error = parse_seed(seed_text.value)
    changed = {f: v for f, v in pending.value.items() if v != getattr(config, f)}
    waiting = len(changed) + (seed is not None and seed != config.seed)

    def reset(base: Config, **changes: Any) -> None:
        try:
            new = base.with_overrides(**changes)
        except ConfigError as exc:
            error.set(str(exc))
            return
        error.set(None)
        pending.set({})
        seed_text.set(str(new.seed))
        on_reset(new)

    def choose(name: str) -> None:
        reset(presets[name])

    def reset_with_settings() -> None:
        if seed is None:
            return  # the field says why; the run stays as it is
        reset(config, seed=seed, **pending.value)

    with solara.Card("Scenario", margin=0) as card:
        solara.Text("applied on Reset", classes=["caption"])
        solara.Select("preset", values=names, value=current, on_value=choose)
        solara.InputText("seed", value=seed_text, error=seed_error or False)
        charted = config.org_chart is not None  # its size is the chart's
        for s in shown:
            Widget = solara.SliderInt if isinstance(s.step, int) else solara.SliderFloat
            fixed = charted and s.field == "n_agents"
            value = pending.value.get(s.field, getattr(config, s.field))
            label = scenario_label(s, catalogue)
            if fixed:
                label += " (the org chart's)"
            elif s.field in changed:
                label += " (changed: Reset applies it)"
            Widget(
                label,
                value=value,
                min=s.low,
                max=max(s.high, value),
                step=s.step,
                disabled=fixed,
                on_value=lambda v, f=s.field: pending.set(pending.value | {f: v}),
            )
        solara.Button(
            "Reset with these settings" + (f" ({waiting} pending)" if waiting else ""),
            color="primary",
            on_click=reset_with_settings,
            disabled=seed is None,
        )
        if error.value:
            solara.Error(error.value)
    return card


@solara.component
def RunControls(
    run: LiveRun,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    on_step: Callable[[], None],
    version: int,
) -> solara.Element:
    """Step, play/pause and speed."""
    with solara.Card("Run", margin=0) as card:
        with solara.Row():
            solara.Button(
                "Pause" if playing.value else "Play",
                icon_name="mdi-pause" if playing.value else "mdi-play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not run.running,
            )
            solara.Button(
                "Step", icon_name="mdi-step-forward", on_click=on_step, disabled=playing.value
            )
        solara.SliderInt("speed (steps per second)", value=speed, min=1, max=20)
        label = ipyvuetify.Html.element(tag="div", class_="run-step")
        use_live("step", label, lambda: {"children": [step_text(run)]})
    return card


def step_text(run: LiveRun) -> str:
    return f"step {run.steps}" + ("" if run.running else " (equilibrium)")


SLIDER_STEP = 0.05


def sliders(lever: Lever) -> tuple[Parameter, ...]:
    """The arguments a participant sets: numbers with both bounds; the rest keep defaults."""
    return tuple(
        p
        for p in lever.parameters
        if p.kind == "number" and p.low is not None and p.high is not None and p.default is not None
    )


def slider_low(parameter: Parameter) -> float:
    """The slider's least value: the bound, or a step above it when the bound is excluded."""
    assert parameter.low is not None
    return parameter.low + (SLIDER_STEP if parameter.open_low else 0.0)


@solara.component
def ParameterSlider(parameter: Parameter, values: solara.Reactive[dict[str, float]]):
    def set_value(value: float) -> None:
        values.set({**values.value, parameter.name: value})

    return solara.SliderFloat(
        argument_label(parameter),
        value=values.value[parameter.name],
        on_value=set_value,
        min=slider_low(parameter),
        max=parameter.high,
        step=SLIDER_STEP,
    )


@solara.component
def ActionRow(lever: Lever, on_apply: Callable[[str, dict[str, Any]], None]):
    """A lever as a button, with a slider per argument a participant sets."""
    values = solara.use_reactive({p.name: float(p.default) for p in sliders(lever)})
    with solara.Column(gap="0px") as column:
        for parameter in sliders(lever):
            ParameterSlider(parameter, values)
        with solara.Tooltip(lever_tooltip(lever)):
            solara.Button(
                lever.label,
                outlined=True,
                on_click=lambda: on_apply(lever.name, dict(values.value)),
                classes=[f"action-{lever.name}"],
            )
    return column


@solara.component
def Interventions(
    run: LiveRun, intervene: Callable[[str, dict[str, Any]], None], version: int
) -> solara.Element:
    """Every intervention, applied to the running model without a reset (by ``intervene``,
    which raises the model's one-line ``ConfigError`` for an out-of-range amount)."""
    error = solara.use_reactive(None)

    def apply(action: str, params: dict[str, Any]) -> None:
        try:
            intervene(action, params)
        except ConfigError as exc:
            error.set(str(exc))
            return
        error.set(None)

    with solara.Card("Interventions (now, without reset)", margin=0) as card:
        for lever in run.model.catalogue.levers:
            if lever.offered(run.model.config):
                ActionRow(lever, apply)
        if error.value:
            solara.Error(error.value)
        if run.marks:
            solara.Text(
                "applied: " + "; ".join(f"{m.text} @ {m.step}" for m in run.marks),
                classes=["applied"],
            )
    return card


@solara.component
def View(
    colour_by: solara.Reactive[str],
    compare: solara.Reactive[bool],
    on_compare: Callable[[bool], None],
) -> solara.Element:
    with solara.Card("View", margin=0) as card:
        solara.Select("colour members by", values=list(COLOUR_BY), value=colour_by)
        solara.Switch(label="projector mode (large type and markers)", value=theme.projector)
        solara.Switch(
            label="compare with the same seed, no interventions",
            value=compare.value,
            on_value=on_compare,
        )
    return card


@solara.component
def Download(
    data: Callable[[], bytes], stem: Callable[[], str], suffix: str, label: str, mime_type: str
):
    """A file download named as it is taken: steps drawn without a render (``live.py``) leave
    the page's last render behind, so the name is taken with the data."""
    name, set_name = solara.use_state(stem() + suffix)

    def named() -> bytes:
        set_name(stem() + suffix)  # drawn before the data arrives to be saved under it
        return data()

    taken = solara.use_memo(lambda: named, [data, stem, suffix])  # one callable: see Export
    return solara.FileDownload(taken, name, label=label, mime_type=mime_type)


@solara.component
def Export(run: LiveRun) -> solara.Element:
    """Take the run away: every metric of every step (and the twin's, when comparing) with the
    settings and interventions, and the session as a scenario file that reruns it; each file
    named by the step reached when it is taken."""
    # the same callables while the run is the same: new ones would restart FileDownload's
    # thread and clear its state on every render
    stem, csv, parquet, session = solara.use_memo(
        lambda: (
            lambda: f"{run.config.name}_seed{run.config.seed}_step{run.steps}",
            lambda: run.export("csv"),
            lambda: run.export("parquet"),
            lambda: run.session().encode(),
        ),
        [run],
    )
    wrap = {"flex-wrap": "wrap", "row-gap": "8px"}  # not past a narrow column (a projector)
    with solara.Card("Export", margin=0) as card, solara.Row(style=wrap):
        Download(csv, stem, ".csv", "CSV", "text/csv")
        Download(parquet, stem, ".parquet", "Parquet", "application/octet-stream")
        # a scenario file: `commsim app --replay` or `commsim run` reruns it
        Download(session, stem, "_session.toml", "Session file", "application/octet-stream")
    return card
