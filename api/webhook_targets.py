"""Where webhook deliveries may go: public addresses only, unless private ones are allowed.

A webhook makes the server send requests to a URL a client chose, so without a check any key
holder could make it probe the internal network or a cloud metadata endpoint (SSRF). The URL
is checked when the hook is registered and again before every delivery, because a DNS name
can be pointed inside the network after registration. Resolving here and again in the HTTP
client leaves a short window for a name that changes between the two (DNS rebinding); a
proxy that only reaches the internet closes it where that matters.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Resolver = Callable[..., list[Any]]


class DisallowedTarget(ValueError):
    """The URL may not receive webhooks (the message says why, naming the host)."""


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_target(url: str, *, allow_private: bool, resolve: Resolver = socket.getaddrinfo) -> None:
    """Raises `DisallowedTarget` unless every address `url`'s host resolves to is public."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise DisallowedTarget("the URL needs an http or https scheme and a host")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise DisallowedTarget(f"the host {host!r} cannot be resolved ({exc})") from None
    addresses = {_address(info[4][0]) for info in infos}
    if not addresses:
        raise DisallowedTarget(f"the host {host!r} has no address")
    for address in sorted(addresses, key=str):
        if not address.is_global or address.is_multicast:
            raise DisallowedTarget(
                f"the host {host!r} is at {address}, a private, loopback, link-local or "
                "reserved address; webhooks go to public addresses only"
            )
