"""The server's pages: a team's practice field at ``/``, the facilitator's room at ``/room``.

``commsim app`` serves this module (``serve.py``), so both share one server process and one
registry of teams.
"""

from __future__ import annotations

import solara

from commsim.app.app import Page
from commsim.app.room import Room

routes = [
    solara.Route(path="/", component=Page, label="practice field"),
    solara.Route(path="room", component=Room, label="room"),
]
