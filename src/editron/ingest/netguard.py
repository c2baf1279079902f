"""Refuse URLs that resolve to this machine or a private network (SSRF), unless allowed.

The addresses a host name resolves to are checked once and handed back, and the downloader
connects to exactly those addresses. Resolving again at connect time would let a DNS answer
with a short TTL switch to ``127.0.0.1`` between the check and the connection (rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from editron.errors import UnsafeURLError

__all__ = ["check_url", "is_public_address", "resolve_host", "vetted_addresses"]

# RFC 6052 NAT64 prefix: 64:ff9b::a.b.c.d reaches the IPv4 address a.b.c.d.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address tunnels to (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """True when ``address`` is globally routable (not loopback, private, link-local...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            ip = inner
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order (tests replace this)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def vetted_addresses(url: str, *, allow_private: bool) -> list[str] | None:
    """The addresses to connect to for ``url``, all public; ``None`` when private URLs are
    allowed (the connection then resolves the name itself). Raises ``UnsafeURLError``."""
    if allow_private:
        return None
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise UnsafeURLError(f"{url}: no host name")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise UnsafeURLError(f"{url}: malformed port ({exc})") from exc
    try:
        addresses = resolve_host(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise UnsafeURLError(f"{url}: cannot resolve host {host!r} ({reason})") from exc
    if not addresses:
        raise UnsafeURLError(f"{url}: host {host!r} has no address")
    for address in addresses:
        if not is_public_address(address):
            raise UnsafeURLError(
                f"{url}: {host} resolves to {address}, a loopback, private, link-local or "
                "reserved address; refusing (set EDITRON_ALLOW_PRIVATE_URLS=1 to allow on a "
                "trusted network)"
            )
    return addresses


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise ``UnsafeURLError`` if any address ``url``'s host resolves to is not public."""
    vetted_addresses(url, allow_private=allow_private)
