"""The caller's address for sign-in throttling: the TCP peer, or, when the peer is a configured reverse
proxy (YIMEN_TRUSTED_PROXIES), the last address in X-Forwarded-For that is not one of those proxies.
An X-Forwarded-For from anyone else is ignored: a client could write any address into it."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence


def _trusted(host: str, proxies: Sequence[str]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def client_address(peer: str | None, headers: Mapping[str, str], proxies: Sequence[str]) -> str:
    host = peer or ""
    if not _trusted(host, proxies):
        return host
    hops = [hop.strip() for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return host
