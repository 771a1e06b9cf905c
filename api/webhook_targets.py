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


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215, local use only
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def _address(text: str) -> Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _carried_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 transition form reaches (NAT64, 6to4, Teredo, IPv4-compatible):
    such an address is only as public as the IPv4 address inside it."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    carried = []
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 0xFFFF):
        carried.append(low32)
    if address.sixtofour is not None:
        carried.append(address.sixtofour)
    if address.teredo is not None:
        carried.extend(address.teredo)
    return carried


def _is_public(address: Address) -> bool:
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address in _LOCAL_NAT64:
        return False
    return all(v4.is_global and not v4.is_multicast for v4 in _carried_ipv4(address))


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
        if not _is_public(address):
            raise DisallowedTarget(
                f"the host {host!r} is at {address}, a private, loopback, link-local or "
                "reserved address; webhooks go to public addresses only"
            )
