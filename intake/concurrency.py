"""How many requests one server process works on at once, and in what order the others wait.

A process's routes run in its thread pool (40 threads), but Python runs one thread at a time. With twenty saves in
flight, twenty threads took turns at the interpreter in 5 ms slices: a save holding SQLite's write lock was paused
while others ran, the saves waiting for that lock slept in SQLite's busy handler (waits that grow to 100 ms rather
than waking when the lock frees), and one save in a hundred took close to a second while the median took 27 ms
(docs/BENCHMARKS.md). Letting a few requests in at a time, and the rest wait their turn in arrival order on the
event loop (where waiting costs nothing), keeps each request's time close to its own work plus its place in line.
Even two at once cost a third more CPU per save than one (the two threads and the event loop handing the
interpreter to each other): on SQLite a process works on one quick request at a time.

Two lines: the quick requests (saves, pages) and the long ones, a route that declares it takes long (`LongRequest`:
fixing a plan, an export, a PDF, the leaders' figures, a password check). A long request leaves the quick line for
its own as it starts, so a save never waits behind one, and the long ones wait for each other. A request that waits
for something other than this process's CPU (a PDF from the PDF worker process) gives its place up while it waits
(`waiting`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import weakref
from collections.abc import Iterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _Place:
    """A request's place among those worked on at once. Changed only on the event loop's thread."""

    def __init__(self, gate: asyncio.Semaphore, long_gate: asyncio.Semaphore | None, loop: asyncio.AbstractEventLoop):
        # `gate` is the line the request is in: the quick one, then the long one's (None: long requests wait for
        # nothing) once it says it takes long
        self.gate: asyncio.Semaphore | None = gate
        self.long_gate, self.loop = long_gate, loop
        self.long = False
        self.held = False
        self.done = False  # the request has ended: a place asked for after that is not taken

    async def take(self) -> None:
        if self.held or self.done or self.gate is None:
            return
        await self.gate.acquire()
        if self.done:  # the request ended while this waited
            self.gate.release()
            return
        self.held = True

    def give_up(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()

    async def to_long_line(self) -> None:
        """Leave the quick requests' line for the long ones' (at the end of it), once."""
        if self.long:
            return
        self.long = True
        self.give_up()
        self.gate = self.long_gate
        await self.take()


_place: contextvars.ContextVar[_Place | None] = contextvars.ContextVar("request_place", default=None)


class RequestGate:
    """ASGI middleware: at most `limit` quick and `long_limit` long HTTP requests of this process are worked on at
    once; the others wait in arrival order. A request's place is given up when its answer starts (what is left is
    sending it). `long_limit` 0: long requests leave the quick line and wait for nothing."""

    def __init__(self, app: ASGIApp, limit: int, long_limit: int = 1):
        self.app = app
        self.limit, self.long_limit = limit, long_limit
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                               tuple[asyncio.Semaphore, asyncio.Semaphore | None]] = \
            weakref.WeakKeyDictionary()

    def _gate(self, loop: asyncio.AbstractEventLoop) -> tuple[asyncio.Semaphore, asyncio.Semaphore | None]:
        # One pair per event loop: the test suite runs the same app on several loops, one after the other (a loop
        # that is gone takes its gates with it)
        gates = self._gates.get(loop)
        if gates is None:
            gates = self._gates[loop] = (asyncio.Semaphore(self.limit),
                                         asyncio.Semaphore(self.long_limit) if self.long_limit > 0 else None)
        return gates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        place = _Place(*self._gate(loop), loop)
        await place.take()
        token = _place.set(place)  # the route's threads run in a copy of this context: `waiting` finds it there

        async def send_and_give_up(message: Message) -> None:
            if message["type"] == "http.response.start":
                place.give_up()
            await send(message)

        try:
            await self.app(scope, receive, send_and_give_up)
        finally:
            place.done = True
            place.give_up()
            _place.reset(token)


async def long_request() -> None:
    """A route's dependency (`dependencies=[LongRequest]`, before its others) when its work takes long: the request
    moves to the long requests' line before it does any, so the quick ones (a caseworker's save) go on meanwhile."""
    place = _place.get()
    if place is not None:
        await place.to_long_line()


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Around a wait for another process (a PDF being made) in a route's thread: the request gives up its place while
    it waits, and takes one again (in line with the others) before it goes on. Outside a request, or on the event
    loop's own thread, it does nothing."""
    place = _place.get()
    if place is None or _on_loop(place.loop):
        yield
        return
    place.loop.call_soon_threadsafe(place.give_up)
    try:
        yield
    finally:
        if not place.loop.is_closed():
            asyncio.run_coroutine_threadsafe(place.take(), place.loop).result()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
