"""Bounding connections for ``kb serve`` (Hypercorn): how many may be open, how long one may take
to send its request head, and what is logged when the bound is reached.

Hypercorn closes a connection that has not sent a complete request head within
``keep_alive_timeout`` (it counts as idle until then, and between requests), and one whose body
stalls for ``read_timeout``; :func:`config` sets both to the header timeout. It has no connection
cap, so :class:`Connections` adds one: at most ``cap`` connections are open at once, fewer than the
process's descriptor limit (RLIMIT_NOFILE) allows, so accepting never fails with EMFILE and the
workers, the store and the log always have descriptors left. When the cap is reached the oldest
connection that is idle (no request in progress: a slow client that has sent nothing, or not
its whole request head, or a kept-alive one) is closed to make room, so clients that send their
request promptly are still served however many slow ones there are; only when every open
connection has a request in progress is the new one refused. Both are counted and logged once per
interval, never once per connection.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import resource
import socket
import time
from typing import Any

from kb.errors import ListenError

log = logging.getLogger("kb.sparql.serve")

LOG_INTERVAL = 10.0  # seconds between two log lines about connections closed or refused at the cap


def _nofile() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 65536 if soft == resource.RLIM_INFINITY else soft


def burst() -> int:
    """Connections asyncio accepts in one go (the listen backlog): an eighth of the descriptor
    limit, at most 128."""
    return max(8, min(128, _nofile() // 8))


def default_cap() -> int:
    """The most connections to hold open: the descriptor limit less a reserve (an eighth, at least
    64) for the worker pipes, the store and the log, and two accept bursts (accepted before the
    cap can close them)."""
    soft = _nofile()
    return max(8, soft - max(64, soft // 8) - 2 * burst())


class _Quiet:
    """The event loop's exception handler: running out of descriptors anyway (another process's
    doing, say) is logged once per interval with a count, not once per attempt with a traceback."""

    def __init__(self, interval: float = LOG_INTERVAL):
        self.interval, self.count, self._logged = interval, 0, float("-inf")

    def __call__(self, loop: Any, context: dict) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
            self.count += 1
            now = time.monotonic()
            if now - self._logged >= self.interval:
                self._logged = now
                log.warning("out of file descriptors: %d connections could not be accepted since the "
                            "last report", self.count)
                self.count = 0
            return
        loop.default_exception_handler(context)


async def run(app: Any, cfg: Any) -> None:
    """Serve ``app`` with Hypercorn, descriptor exhaustion logged by :class:`_Quiet`."""
    import asyncio

    from hypercorn.asyncio import serve

    asyncio.get_running_loop().set_exception_handler(_Quiet())
    await serve(app, cfg)


class Connections:
    """The open connections, each with whether it is idle; closes or refuses past ``cap``."""

    def __init__(self, cap: int, interval: float = LOG_INTERVAL):
        self.cap, self.interval = cap, interval
        self.open: dict[Any, bool] = {}  # insertion order: oldest first
        self.evicted = self.refused = 0  # since the last log line
        self.total_evicted = self.total_refused = 0
        self.most_open = 0
        self._logged = float("-inf")

    def admit(self, conn: Any) -> Any | bool | None:
        """Room for ``conn``: False to refuse it; else the connection to close first (or None)."""
        victim = None
        if len(self.open) >= self.cap:
            victim = next((c for c, idle in self.open.items() if idle), None)
            if victim is None:
                self.refused += 1
                self.total_refused += 1
                self._report()
                return False
            self.open.pop(victim)
            self.evicted += 1
            self.total_evicted += 1
            self._report()
        self.open[conn] = True
        self.most_open = max(self.most_open, len(self.open))
        return victim

    def idle(self, conn: Any, idle: bool) -> None:
        if conn in self.open:
            self.open[conn] = idle

    def close(self, conn: Any) -> None:
        self.open.pop(conn, None)

    def _report(self) -> None:
        now = time.monotonic()
        if now - self._logged < self.interval:
            return
        self._logged = now
        log.warning("at the connection limit (%d open, --max-connections): %d idle connections closed "
                    "to make room and %d new ones refused since the last report (%d and %d in all)",
                    self.cap, self.evicted, self.refused, self.total_evicted, self.total_refused)
        self.evicted = self.refused = 0


def install(connections: Connections) -> None:
    """Make Hypercorn's asyncio server count its connections in ``connections``."""
    from hypercorn.asyncio import run as hrun
    from hypercorn.asyncio.tcp_server import TCPServer
    from hypercorn.events import Updated

    class BoundedTCPServer(TCPServer):
        async def run(self) -> None:
            room = connections.admit(self)
            if room is False:
                self.writer.close()
                return
            if room is not None:
                await room.close_idle()
            try:
                await super().run()
            finally:
                connections.close(self)

        async def close_idle(self) -> None:
            with contextlib.suppress(RuntimeError):  # already closing
                self.writer.close()

        async def protocol_send(self, event: Any) -> None:
            if isinstance(event, Updated):
                connections.idle(self, event.idle)
            await super().protocol_send(event)

    hrun.TCPServer = BoundedTCPServer  # type: ignore[misc]  # the name worker_serve instantiates


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening, made before the server starts, so that a
    busy port or an address not of this machine is one :class:`~kb.errors.ListenError` (exit code
    4) before anything is announced."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=burst())
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        hint = "; stop the program using it or pass --port" if exc.errno == errno.EADDRINUSE else ""
        raise ListenError(f"cannot listen on {host}:{port}: {why.lower()}{hint}") from None


def config(fd: int, header_timeout: float) -> Any:
    """Hypercorn's configuration: serving on the socket ``fd`` (from :func:`listen`, detached: Hypercorn
    owns and closes it), the header/read
    timeout, an access log without query strings, logging through :mod:`logging`."""
    from hypercorn.config import Config

    cfg = Config()
    cfg.bind = [f"fd://{fd}"]
    cfg.keep_alive_timeout = header_timeout
    cfg.read_timeout = max(1, round(header_timeout))
    cfg.backlog = burst()
    cfg.accesslog = logging.getLogger("kb.sparql.serve.access")
    cfg.errorlog = logging.getLogger("kb.sparql.serve.server")
    cfg.access_log_format = '%(h)s "%(m)s %(U)s HTTP/%(H)s" %(s)s %(b)s'
    return cfg
