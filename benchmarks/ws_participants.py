"""Participants without a browser: websocket clients that speak Solara's protocol.

A room of 30 laptops cannot be 30 Chromium pages on a 2-core machine that also runs the
server: the browsers would take the CPU the server is being measured on. These clients
do what a participant's page asks of the server (open a page, press Play, receive every
update the server pushes) and nothing a browser draws, so the server's work per
participant is all there. Each runs in one asyncio loop in a process of its own.

    python benchmarks/ws_participants.py URL N [--seconds S] [--path /?team=...]

prints one JSON line per participant: updates received, the step its page last showed, and
``shown``: every (wall-clock time, step) its page was sent, so a rate can be taken over any
window (the benchmark's clicks) rather than since Play (which includes the room loading).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import urllib.request
import uuid
from typing import Any

import websockets

STEP_TEXT = re.compile(r"step (\d+)")


def message(session: str, msg_type: str, content: dict[str, Any]) -> str:
    """A Jupyter message as Solara's page sends it on the shell channel."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": "",
        "version": "5.2",
        "date": "",
    }
    return json.dumps(
        {
            "buffers": [],
            "channel": "shell",
            "content": content,
            "header": header,
            "metadata": {},
            "parent_header": {},
        }
    )


def click(session: str, comm_id: str) -> str:
    data = {"method": "custom", "content": {"event": "click", "data": {}}}
    return message(session, "comm_msg", {"comm_id": comm_id, "data": data})


def session_cookie(url: str) -> str:
    """The ``solara-session-id`` cookie a first visit gets (the kernel checks it)."""
    with urllib.request.urlopen(url, timeout=30) as reply:
        for header in reply.headers.get_all("Set-Cookie") or []:
            if header.startswith("solara-session-id="):
                return header.split(";", 1)[0]
    raise RuntimeError(f"{url}: no solara-session-id cookie")


class Participant:
    """One page: its buttons by label, the updates it received, the step it shows."""

    def __init__(self, url: str, path: str) -> None:
        self.url, self.path = url, path
        self.session = str(uuid.uuid4())
        self.buttons: dict[str, str] = {}  # label -> comm id
        self.updates = 0
        self.step = 0
        self.bytes = 0
        self.playing_since: tuple[float, int] | None = None  # (time, step) when Play went in
        self.ended = 0.0
        self.shown: list[tuple[float, int]] = []  # (time.time(), step) of each update

    async def run(self, seconds: float, play: bool) -> None:
        cookie = session_cookie(self.url)
        ws_url = self.url.replace("http", "ws", 1).rstrip("/")
        ws_url += f"/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={self.session}"
        async with websockets.connect(
            ws_url, additional_headers={"Cookie": cookie}, max_size=None
        ) as ws:
            control = str(uuid.uuid4())
            await ws.send(message(self.session, "kernel_info_request", {}))
            open_ = {"comm_id": control, "target_name": "solara.control", "data": {}}
            await ws.send(message(self.session, "comm_open", open_))
            run = {"method": "run", "args": {"path": self.path, "dark": False, "themes": {}}}
            await ws.send(message(self.session, "comm_msg", {"comm_id": control, "data": run}))
            await self.receive(ws, lambda: "Play" in self.buttons, timeout=120)
            if play:
                await ws.send(click(self.session, self.buttons["Play"]))
                self.playing_since = (time.monotonic(), self.step)
            end = time.monotonic() + seconds
            await self.receive(ws, lambda: time.monotonic() > end, timeout=seconds + 5)
            self.ended = time.monotonic()

    async def receive(self, ws: Any, done: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                frame = await asyncio.wait_for(ws.recv(), timeout=min(left, 1.0))
            except TimeoutError:
                continue
            self.take(frame)

    def rate(self) -> float:
        """Steps per second shown since Play was pressed."""
        if self.playing_since is None:
            return 0.0
        since, step = self.playing_since
        return (self.step - step) / max(self.ended - since, 1e-9)

    def take(self, frame: str | bytes) -> None:
        self.bytes += len(frame)
        if isinstance(frame, bytes):
            return
        if '"BtnModel"' in frame:
            content = json.loads(frame)["content"]
            children = content["data"]["state"].get("children", [])
            labels = [c for c in children if isinstance(c, str) and not c.startswith("IPY_")]
            for label in labels:
                self.buttons[label.strip()] = content["comm_id"]
        elif '"update"' in frame:
            self.updates += 1
            found = STEP_TEXT.findall(frame)
            if found:
                self.step = max(self.step, int(found[-1]))
                self.shown.append((time.time(), self.step))


async def room(url: str, n: int, seconds: float, path: str, play: bool) -> list[Participant]:
    people = [Participant(url, path.replace("{i}", str(i))) for i in range(n)]
    await asyncio.gather(*(p.run(seconds, play) for p in people))
    return people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("n", type=int)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--path", default="/", help="the page's path; {i} is the participant")
    parser.add_argument("--idle", action="store_true", help="open the page but do not Play")
    args = parser.parse_args()
    people = asyncio.run(room(args.url, args.n, args.seconds, args.path, not args.idle))
    for p in people:
        row = {"updates": p.updates, "step": p.step, "bytes": p.bytes, "rate": p.rate()}
        row["shown"] = p.shown
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
