"""The package's version, in a module of its own so any module can read it without importing
the top-level package (and whatever its ``__init__`` may one day load)."""

__version__ = "0.1.0"
