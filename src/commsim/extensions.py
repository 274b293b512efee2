"""Extensions: phases, metrics and levers from installed packages, found by entry point.

A package registers an ``commsim.catalogue.Extension`` under the ``commsim.extensions``
entry-point group (as pytest and napari find their plugins)::

    [project.entry-points."commsim.extensions"]
    repository = "commsim_repository:EXTENSION"

A scenario file then switches it on by name (``extensions = ["repository"]``) and sets its
parameters like any others. A config only *names* what is installed: nothing in it is
imported or evaluated. ``register`` adds an extension in this process (a model class's own,
or a notebook's); the entry points are read once, on first use.
"""

from __future__ import annotations

import functools
from importlib import metadata

from commsim.catalogue import Extension

GROUP = "commsim.extensions"

_registered: dict[str, Extension] = {}


class ExtensionError(ValueError):
    """An installed extension cannot be loaded, or is not an Extension."""


def register(extension: Extension) -> Extension:
    """Make ``extension`` known by its name in this process; returns it."""
    known = _registered.get(extension.name)
    if known is not None and known.with_version("") != extension.with_version(""):
        raise ExtensionError(f"two different extensions are named '{extension.name}'")
    if known is None or extension.version:
        _registered[extension.name] = extension
    return _registered[extension.name]


@functools.cache
def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=GROUP)}


def installed() -> list[str]:
    """The names a config can switch on: entry points and extensions registered here."""
    return sorted({*_entry_points(), *_registered})


def get(name: str) -> Extension:
    """The extension called ``name`` (loading its package on first use); KeyError if none."""
    if name in _registered:
        return _registered[name]
    ep = _entry_points()[name]
    try:
        loaded = ep.load()
    except Exception as exc:  # an installed package that fails to import: name it
        raise ExtensionError(f"extension '{name}' ({ep.value}) failed to load: {exc}") from None
    if not isinstance(loaded, Extension):
        raise ExtensionError(
            f"extension '{name}' ({ep.value}) is a {type(loaded).__name__}, not a "
            "commsim.catalogue.Extension"
        )
    if loaded.name != name:
        raise ExtensionError(f"entry point '{name}' ({ep.value}) holds extension '{loaded.name}'")
    version = ep.dist.version if ep.dist is not None else ""
    return register(loaded.with_version(version))
