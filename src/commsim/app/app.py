"""The workshop page: ``commsim app [CONFIG]`` serves ``Page`` (see ``serve.py``).

Every browser session renders its own ``Page`` and so gets its own ``LiveRun``: five
participants steering at once never see each other's changes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import solara

from commsim.app import charts, theme
from commsim.app.components import (
    Export,
    Interventions,
    NetworkView,
    RunControls,
    ScenarioControls,
    TimeSeries,
    View,
)
from commsim.app.session import LiveRun
from commsim.config import Config, ConfigError, load_config
from commsim.model import CommunityModel, import_model

CONFIG_ENV = "COMMSIM_APP_CONFIG"  # the scenario file ``commsim app`` was given
PRESETS_ENV = "COMMSIM_APP_PRESETS"  # the directories (os.pathsep) whose scenarios are presets
MODEL_ENV = "COMMSIM_APP_MODEL"  # the import path of the model class ``commsim app`` was given


def model_class() -> type[CommunityModel]:
    """The model every session runs (checked by ``commsim app`` before the server started)."""
    return import_model(os.environ.get(MODEL_ENV), "--model")


def presets() -> dict[str, Config]:
    """The starting scenario first, then every valid scenario file in the presets directories
    (the first of a name wins: a user's own folder before the scenarios shipped with commsim)."""
    found: dict[str, Config] = {}
    start = os.environ.get(CONFIG_ENV)
    always = model_class().extensions
    first = load_config(start or None, extensions=always)
    found[f"{first.name} (start)"] = first
    folders = os.environ.get(PRESETS_ENV, "").split(os.pathsep)
    for folder in filter(None, folders):
        for path in sorted(Path(folder).glob("*.toml")):
            if start and path.resolve() == Path(start).resolve():
                continue
            try:
                config = load_config(path, extensions=always)
            except ConfigError:
                continue  # not a scenario file (or a broken one): `commsim validate` says why
            found.setdefault(config.name, config)
    return found


@solara.component
def Page() -> None:
    options = solara.use_memo(presets, [])
    model_cls = solara.use_memo(model_class, [])
    first = solara.use_memo(lambda: LiveRun(next(iter(options.values())), model=model_cls), [])
    run, set_run = solara.use_state(first)
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(5)
    colour_by = solara.use_reactive("safety")
    compare = solara.use_reactive(False)

    def changed() -> None:
        version.set(version.value + 1)

    def step() -> None:
        run.step()
        changed()

    def reset(config: Config) -> None:
        playing.set(False)
        set_run(LiveRun(config, compare=compare.value, model=model_cls))
        changed()

    def set_compare(on: bool) -> None:
        run.set_compare(on)
        compare.set(on)
        changed()

    def play(cancel) -> None:
        while playing.value and run.running and not cancel.is_set():
            started = time.perf_counter()
            step()
            cancel.wait(max(0.0, 1.0 / speed.value - (time.perf_counter() - started)))
        playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, run], intrusive_cancel=False)

    solara.Title("commsim practice field")
    theme.ProjectorMode()
    with solara.Columns([1, 3, 1], style={"padding": "8px"}):
        with solara.Column():
            RunControls(run, playing, speed, step, version.value)
            ScenarioControls(options, run.config, reset, run.model.catalogue)
            View(colour_by, compare, set_compare)
            Export(run, version.value)
        with solara.Column():
            with solara.Columns([1] * len(run.models())):
                for variant, model in run.models():
                    NetworkView(run, variant, model, colour_by.value, version.value)
            with solara.GridFixed(columns=2):
                for plot in charts.plots(run.model.n_levels, run.model.catalogue, run.model.config):
                    TimeSeries(plot, run, version.value)
        Interventions(run, changed, version.value)
