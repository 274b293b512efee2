"""Provenance is asked once per process: later runs pay no git subprocess, no metadata look-up."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

import commsim
from commsim import provenance


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Empty caches before and after, so neither this test nor the next sees a stale answer."""
    provenance.git_commit.cache_clear()
    provenance._versions.cache_clear()
    yield
    provenance.git_commit.cache_clear()
    provenance._versions.cache_clear()


def test_git_commit_runs_git_once_per_process(
    fresh_caches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args: list[str], *rest: object, **kwargs: object) -> object:
        calls.append(args)
        return real(args, *rest, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", counting)
    first = provenance.git_commit()
    asked = len(calls)
    assert asked >= 1 and all(args[0] == "git" for args in calls)
    assert provenance.git_commit() == first
    assert len(calls) == asked


def test_versions_are_looked_up_once_and_each_caller_gets_its_own_copy(
    fresh_caches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real = provenance.metadata.version

    def counting(dist: str) -> str:
        looked_up.append(dist)
        return real(dist)

    monkeypatch.setattr(provenance.metadata, "version", counting)
    first = provenance.versions()
    asked = len(looked_up)
    first["numpy"] = "changed by a caller"
    second = provenance.versions()
    assert len(looked_up) == asked > 0
    assert second["numpy"] != "changed by a caller"
    assert second["commsim"] == commsim.__version__
