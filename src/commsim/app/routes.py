"""The server's pages: a team's practice field at ``/``, the facilitator's room at ``/room``.

``commsim app`` serves this module (``serve.py``), so both share one server process and one
registry of teams.
"""

from __future__ import annotations

import solara

from commsim.app.app import Page
from commsim.app.room import Room


@solara.component
def Layout(children: list | None = None) -> solara.Element:
    """Solara's app bar without its tabs: a participant has no business on the room page."""
    return solara.AppLayout(children=children or [], navigation=False)


routes = [
    solara.Route(path="/", component=Page, label="practice field", layout=Layout),
    solara.Route(path="room", component=Room, label="room"),
]
