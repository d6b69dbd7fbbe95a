"""Who may talk to ``kb serve``: the ``Host`` names it answers to and the ``Origin`` it accepts.

A browser page can point a DNS name of its own at 127.0.0.1 (DNS rebinding) and then read the
endpoint with ``fetch()``, or submit a form to it from another site. Both are refused here, before
any route runs:

* ``Host`` must be a name or address that reaches the server legitimately. Bound to loopback: the
  loopback names and addresses (``localhost``, ``127.0.0.1``, ``::1``, ...). Bound to another
  interface, or to all of them (``0.0.0.0``, ``::``): that interface's addresses (all of the
  machine's, for a wildcard), the loopback ones, and the machine's own names. Anything else (a
  reverse proxy's name) only with ``--allow-host NAME``. A refusal (400) names that flag.
* A request that carries an ``Origin`` is refused (403) unless the origin is the server's own
  (an admitted host on the bound port, an ``--allow-host`` name, or the ``--public-url``) or one
  ``--cors ORIGIN`` lists (``--cors '*'``: any). Without ``--cors`` no other site's page can send
  queries or read answers: a read-only endpoint on loopback must not become readable by every web
  page its user visits. With it, Starlette's CORS middleware sends the headers and answers
  preflights; the Host check stays (DNS rebinding is refused whatever the origin).

Nothing the client says about its Host is echoed: the service description and every absolute URL
come from :func:`public_base` (the bound address, or ``--public-url``).
"""

from __future__ import annotations

import fcntl
import ipaddress
import logging
import socket
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("kb.sparql.serve")

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _normal(host: str) -> str:
    """A host name or address as compared: lower case, no brackets, no trailing dot."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def split_host(value: str) -> tuple[str, int | None]:
    """``Host``-header value -> (host, port or None); raise ValueError if it is not one."""
    value = value.strip()
    if not value or any(c.isspace() or c in "/@?#\\" for c in value):
        raise ValueError(value)
    port: int | None = None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(value)
        host, rest = value[1:end], value[end + 1:]
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(value)
            port = int(rest[1:])
    elif value.count(":") == 1:
        host, _, p = value.partition(":")
        if not p.isdigit():
            raise ValueError(value)
        port = int(p)
    else:
        host = value
    return _normal(host), port


def is_loopback(host: str) -> bool:
    host = _normal(host)
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def interface_addresses() -> set[str]:
    """The machine's own interface addresses (IPv4 by ``SIOCGIFADDR``, IPv6 from /proc on Linux;
    whatever the host name resolves to elsewhere)."""
    found: set[str] = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _i, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue
            found.add(socket.inet_ntoa(packed[20:24]))
    inet6 = Path("/proc/net/if_inet6")
    if inet6.exists():
        for line in inet6.read_text().splitlines():
            raw = line.split()[0]
            found.add(ipaddress.ip_address(bytes.fromhex(raw)).compressed)
    with _quiet():
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(_normal(str(info[4][0]).split("%")[0]))
    return found


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        return kind is not None and issubclass(kind, OSError)


def machine_names() -> set[str]:
    names = {socket.gethostname()}
    with _quiet():
        names.add(socket.getfqdn())
    return {_normal(n) for n in names if n}


def admitted_hosts(bind: str, allow: Iterable[str] = ()) -> set[str]:
    """The ``Host`` names and addresses the server bound to ``bind`` answers to."""
    hosts = {_normal(h) for h in allow}
    loop = set(LOOPBACK_NAMES) | {"127.0.0.1", "::1"}
    bind = _normal(bind)
    if is_loopback(bind):
        return hosts | loop | {bind}
    try:
        wildcard = ipaddress.ip_address(bind).is_unspecified
    except ValueError:  # bound by name: that name and what it resolves to
        wildcard = False
    if wildcard:
        return hosts | loop | interface_addresses() | machine_names()
    resolved = {bind}
    with _quiet():
        resolved |= {_normal(str(i[4][0])) for i in socket.getaddrinfo(bind, None)}
    return hosts | resolved | machine_names()


def public_base(bind: str, port: int, public_url: str | None = None) -> str:
    """The server's base URL, ending in ``/``: ``public_url`` if given, else the bound address
    (the machine's name for a wildcard bind). Never anything a client sent."""
    if public_url:
        return public_url.rstrip("/") + "/"
    host = _normal(bind)
    with _quiet():
        if ipaddress.ip_address(host).is_unspecified:
            host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def check_public_url(url: str) -> str:
    """``--public-url`` checked: an absolute http(s) URL without query or fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError(f"--public-url must be an absolute http(s) URL without query or fragment, "
                         f"not {url!r}")
    return url


def check_origin(origin: str) -> str:
    """A ``--cors`` value checked: ``*`` or an origin (``scheme://host[:port]``, nothing after)."""
    if origin == "*":
        return origin
    parts = urlsplit(origin)
    try:
        parts.port  # noqa: B018  (raises ValueError for a port that is not one)
    except ValueError:
        parts = parts._replace(scheme="")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query \
            or parts.fragment or parts.username or any(c.isspace() for c in origin):
        raise ValueError(f"--cors takes an origin such as https://yasgui.example or http://localhost:3000 "
                         f"(scheme, host and port only), or '*', not {origin!r}")
    return origin


class HostGuard:
    """ASGI middleware: refuse requests whose ``Host`` is not admitted (400) or whose ``Origin``
    is not the server's own (403); log each refusal."""

    def __init__(self, app: Any, *, bind: str, port: int, allow: Iterable[str] = (),
                 public_url: str | None = None, cors: Iterable[str] = ()):
        self.app, self.port = app, port
        self.cors = {o.lower().rstrip("/") for o in cors}
        self.allow = {_normal(h) for h in allow}
        self.hosts = admitted_hosts(bind, self.allow)
        self.public_origin = None
        if public_url:
            p = urlsplit(public_url)
            self.public_origin = f"{p.scheme}://{p.netloc}".lower()
            self.allow.add(_normal(p.hostname or ""))
            self.hosts.add(_normal(p.hostname or ""))

    def _origin_ok(self, origin: str) -> bool:
        if "*" in self.cors or origin.lower().rstrip("/") in self.cors | {self.public_origin}:
            return True
        p = urlsplit(origin)
        if p.scheme not in ("http", "https") or not p.hostname:
            return False  # "null" (a sandboxed page, a file://) included
        host = _normal(p.hostname)
        try:
            port = p.port or (443 if p.scheme == "https" else 80)
        except ValueError:
            return False
        return host in self.allow or (host in self.hosts and port == self.port)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {}
        for k, v in scope.get("headers", []):
            headers.setdefault(k.decode("latin-1").lower(), []).append(v.decode("latin-1"))
        hosts = headers.get("host", [])
        message = status = None
        if len(hosts) > 1:
            status, message = 400, "send one Host header"
        elif hosts:
            try:
                name, _port = split_host(hosts[0])
            except ValueError:
                status, message = 400, "the Host header is not a host name"
            else:
                if name not in self.hosts:
                    status, message = 400, (
                        f"this server does not answer to the host name {_shown(name)!r}; if it is a "
                        f"name of this server (a reverse proxy's, say), start kb serve with "
                        f"--allow-host {_shown(name)}")
        if status is None:
            for origin in headers.get("origin", []):
                if not self._origin_ok(origin):
                    status, message = 403, (
                        f"cross-origin requests are refused (Origin {_shown(origin)!r} is not this "
                        f"server's own)")
        if status is None:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?",))[0]
        log.warning("refused %s %s from %s: %d %s", scope.get("method"), scope.get("path"), client,
                    status, message)
        body = (message + "\n").encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _shown(value: str) -> str:
    """A client-supplied value as it may appear in a message or log: escaped, bounded."""
    text = value.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 200 else text[:200] + "..."
