"""Refuse URLs that resolve to this machine or a private network (SSRF), unless allowed."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from editron.errors import UnsafeURLError

__all__ = ["check_url", "is_public_address"]


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise ``UnsafeURLError`` if any address ``url``'s host resolves to is not public."""
    if allow_private:
        return
    host = urlsplit(url).hostname
    if not host:
        raise UnsafeURLError(f"{url}: no host name")
    port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeURLError(f"{url}: cannot resolve host {host!r} ({exc.strerror})") from exc
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            raise UnsafeURLError(
                f"{url}: {host} resolves to {address}, a loopback, private or link-local "
                "address; refusing (set EDITRON_ALLOW_PRIVATE_URLS=1 to allow on a trusted "
                "network)"
            )
