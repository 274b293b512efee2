"""The simulation core's public face: what the floors above, and extensions, import.

``CommunityModel`` is the model; ``ReferenceModel`` its plain-Python oracle (the same rules,
one agent at a time). A researcher extends the model through ``World`` (the run's state, what
a phase reads and writes), the built-in catalogue (``DEFAULT_PHASES``, ``METRICS``,
``LEVERS``, all three in ``CATALOGUE``) and ``commsim.catalogue``'s types; the floors above
name a model by its import path (``import_model``, ``model_path``). The rest are the few
constants other floors read. Everything else is the core's own business.
"""

from commsim.catalogue import Catalogue
from commsim.config import Config
from commsim.model.importing import DEFAULT_MODEL, import_model, model_fields, model_path
from commsim.model.insights import InsightLedger
from commsim.model.levers import LEVERS
from commsim.model.metrics import COUNTERS, KNOWLEDGE, METRICS
from commsim.model.model import CommunityModel
from commsim.model.orgchart import Collaboration, OrgChart
from commsim.model.phases import DEFAULT_PHASES
from commsim.model.reference import ReferenceModel
from commsim.model.state import NO_MANAGER, ROLE_NAMES
from commsim.model.world import World

#: the built-in model's catalogue, without extensions: what a floor above reads when it cannot
#: know the model (an old sweep, a model that no longer imports)
CATALOGUE: Catalogue = CommunityModel.catalogue_for(Config())

__all__ = [
    "CATALOGUE",
    "COUNTERS",
    "DEFAULT_MODEL",
    "DEFAULT_PHASES",
    "KNOWLEDGE",
    "LEVERS",
    "METRICS",
    "NO_MANAGER",
    "ROLE_NAMES",
    "Collaboration",
    "CommunityModel",
    "InsightLedger",
    "OrgChart",
    "ReferenceModel",
    "World",
    "import_model",
    "model_fields",
    "model_path",
]
