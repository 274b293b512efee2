"""Every preset and the smoke sweep still give exactly the numbers recorded in golden.json.

Seed 0 of every preset and the smoke sweep run in ``make test``; seeds 1 and 2 are ``slow``
(``make test-slow``). See ``tests/golden.py`` for what is fingerprinted and how to re-record.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from . import golden

RECORDED = json.loads(golden.RECORD.read_text())
SAME_WRITERS = all(
    metadata.version(name) == version for name, version in RECORDED["writers"].items()
)


def assert_same(found: dict[str, dict[str, str]], recorded: dict[str, dict[str, str]]) -> None:
    """Same tables, same content; same bytes too for a file the same pandas and pyarrow
    wrote (a sweep's runs are fingerprinted by content alone: chunks hold them in the order
    they finished)."""
    assert sorted(found) == sorted(recorded)
    for name, fingerprint in recorded.items():
        assert found[name]["content"] == fingerprint["content"], f"{name}: other numbers"
        if SAME_WRITERS and "bytes" in fingerprint:
            assert found[name]["bytes"] == fingerprint["bytes"], f"{name}: other bytes"


CASES = [
    pytest.param(config, seed, marks=[pytest.mark.slow] if seed else [], id=f"{config.stem}-{seed}")
    for config in golden.presets()
    for seed in golden.SEEDS
]


def test_every_preset_is_recorded() -> None:
    assert {f"{c.stem}/seed-{s}" for c in golden.presets() for s in golden.SEEDS} == set(
        RECORDED["runs"]
    )


@pytest.mark.parametrize(("config", "seed"), CASES)
def test_preset_gives_its_recorded_numbers(config: Path, seed: int, tmp_path: Path) -> None:
    found = golden.run_fingerprints(config, seed, tmp_path)
    assert_same(found, RECORDED["runs"][f"{config.stem}/seed-{seed}"])


def test_smoke_sweep_gives_its_recorded_numbers(tmp_path: Path) -> None:
    assert_same(golden.sweep_fingerprints(tmp_path), RECORDED["smoke_sweep"])
