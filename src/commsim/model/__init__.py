"""The simulation core's public face: what the floors above may import from the model.

``CommunityModel`` is the model; ``ReferenceModel`` is its plain-Python oracle (the same rules,
one agent at a time). The rest are the few constants and types other floors read: the role
names and the "no manager" mark (the app's charts), the counters (a sweep's metrics) and the
insight ledger (a sweep's insight log). Everything else is the core's own business.
"""

from commsim.model.insights import InsightLedger
from commsim.model.metrics import COUNTERS
from commsim.model.model import CommunityModel
from commsim.model.reference import ReferenceModel
from commsim.model.state import NO_MANAGER, ROLE_NAMES

__all__ = [
    "COUNTERS",
    "NO_MANAGER",
    "ROLE_NAMES",
    "CommunityModel",
    "InsightLedger",
    "ReferenceModel",
]
