"""Webhook destinations: public addresses only, checked with whatever a name resolves to."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.webhook_targets import DisallowedTarget, check_target


def resolving_to(*addresses: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


def unresolvable(host: str, port: int, **_: Any) -> list[Any]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/",
        "http://172.16.0.9/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://224.0.0.1/",
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[64:ff9b:1::a9fe:a9fe]/",  # local-use NAT64
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::7f00:1]/",  # IPv4-compatible 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo, client 10.0.0.1
    ],
)
def test_private_and_reserved_addresses_are_refused(url: str) -> None:
    with pytest.raises(DisallowedTarget, match="public addresses only"):
        check_target(url, allow_private=False)
    check_target(url, allow_private=True)  # an operator may allow an internal receiver


def test_a_public_name_that_resolves_inside_the_network_is_refused() -> None:
    with pytest.raises(DisallowedTarget, match="10.0.0.7"):
        check_target(
            "https://hooks.example.edu.cn/x",
            allow_private=False,
            resolve=resolving_to("202.112.0.36", "10.0.0.7"),
        )
    check_target(
        "https://hooks.example.edu.cn/x", allow_private=False, resolve=resolving_to("202.112.0.36")
    )


def test_unresolvable_hosts_and_odd_urls_are_refused_with_the_reason() -> None:
    with pytest.raises(DisallowedTarget, match="cannot be resolved"):
        check_target("https://nowhere.invalid/", allow_private=False, resolve=unresolvable)
    for url in ("ftp://202.112.0.36/", "http:///path", "not a url"):
        with pytest.raises(DisallowedTarget, match="scheme and a host"):
            check_target(url, allow_private=True)


@given(st.ip_addresses())
def test_an_address_passes_only_if_it_is_global(address: Any) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    mapped = getattr(address, "ipv4_mapped", None)
    effective = mapped if mapped is not None else address
    public = effective.is_global and not effective.is_multicast
    try:
        check_target(f"http://{host}/", allow_private=False)
    except DisallowedTarget:
        # refused: not public, or an IPv6 form that carries an IPv4 address
        assert not public or address.version == 6
    else:
        assert public


def test_public_ipv6_and_transition_forms_of_public_addresses_pass() -> None:
    for url in ("http://[2400:3200::1]/", "http://[64:ff9b::ca70:24]/", "http://[2002:ca70:24::]/"):
        check_target(url, allow_private=False)
