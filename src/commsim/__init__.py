"""commsim: agent-based simulation of learning communities on Mesa."""

__version__ = "0.1.0"
