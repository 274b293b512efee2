"""Shared helpers: small, fast scenarios built from the real configs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from commsim.model.model import CommunityModel

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
# a two-run sweep of a 30-member organisation: the smallest that has a design and a resume
TINY_EXPERIMENT = f"""\
name = "tiny"
base = "{CONFIGS / "default.toml"}"
steps = 5
repetitions = 1
seed = 3
[overrides]
n_agents = 30
agent_sample_size = 0
[parameters]
initial_safety = [0.2, 0.9]
"""


def run_model(steps: int = 40, **overrides: object) -> tuple[CommunityModel, pd.DataFrame]:
    """A small model run for ``steps``; returns the model and its step table."""
    params = {"n_agents": 150, "steps": steps, "agent_sample_size": 0} | overrides
    model = CommunityModel(None, **params)
    model.run()
    return model, model.model_frame()


@pytest.fixture
def march_path() -> Path:
    return CONFIGS / "march1991.toml"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one per browser test module (``tests/browser.py``); Playwright is
    imported only by the tests that ask for it."""
    from tests.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def own_room() -> Iterator[None]:
    """A page rendered in a test joins a room of the test's own: a team name is one team in
    a room, and another test's team of the same name is not this test's (the app's server
    keeps one registry a process; a test process renders pages of many tests)."""
    yield
    registry = sys.modules.get("commsim.app.registry")
    if registry is not None:
        with registry._CREATING:
            room, registry._REGISTRY = registry._REGISTRY, None
        if room is not None:
            room.stop()
