"""Which destinations an outbound call may reach. A URL someone configured (a webhook, a Slack URL, a survey
tool's `api_base`) must not turn npsloop into a proxy into its own network: loopback, link-local (where the
cloud metadata services live, 169.254.169.254 and fd00:ec2::254), private, unique-local, multicast,
unspecified and other non-public addresses are refused, and plain http is refused, unless the operator
allow-lists the host or network in NPSLOOP_EGRESS_ALLOW. The check that matters runs on the addresses a name
resolves to when connecting (connect.py); `check_url` repeats it when a URL is configured, to say so early."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[Address]]

SETTING = "NPSLOOP_EGRESS_ALLOW"
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*")


class EgressError(Exception):
    """An outbound call that did not get a usable answer; the message says why, naming the host only."""


class Refused(EgressError):
    """The destination is not one npsloop may call; the message says why and how to allow it."""


def system_resolver(host: str, port: int) -> list[Address]:
    """Every address the system resolves the name to (all are checked, not only the first)."""
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def _embedded(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4): it is where the packet really goes."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def blocked_because(address: Address) -> str | None:
    """Why an address is not public (None when it is)."""
    address = _embedded(address)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and (address in ipaddress.IPv6Network("fc00::/7")):
        return "a unique-local address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_reserved:
        return "not a public address"
    return None


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Policy:
    networks: tuple[Network, ...] = ()
    hosts: frozenset[str] = frozenset()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def parse(cls, allow: str, resolver: Resolver = system_resolver) -> Policy:
        """`allow` is a comma-separated list of networks (10.0.0.0/8), addresses (127.0.0.1) and host names
        (helpdesk.internal); a host name is trusted wherever it resolves."""
        networks: list[Network] = []
        hosts: set[str] = set()
        for item in (part.strip() for part in allow.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                if not HOST_NAME.fullmatch(item.lower().rstrip(".")):
                    raise ValueError(f"{SETTING}: {item!r} is neither a network nor a host name") from None
                hosts.add(item.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts), resolver)

    def host_allowed(self, host: str) -> bool:
        literal = _literal(host)
        if literal is not None:
            return self.address_allowed(literal)
        return host.lower().rstrip(".") in self.hosts

    def address_allowed(self, address: Address) -> bool:
        return any(address in network for network in self.networks) or any(
            _embedded(address) in network for network in self.networks
        )

    def check_address(self, host: str, address: Address) -> None:
        reason = blocked_because(address)
        if reason and not self.address_allowed(address):
            where = f"{host} is" if _literal(host) == address else f"{host} resolves to {address},"
            raise Refused(f"{where} {reason}; allow it in {SETTING} if it is meant")

    def addresses(self, host: str, port: int) -> list[Address]:
        """The addresses to dial for host, each checked; raises Refused if any of them is not allowed (a name
        that resolves to one public and one private address is refused whole)."""
        literal = _literal(host)
        if literal is not None:
            self.check_address(host, literal)
            return [literal]
        found = self.resolver(host, port)
        if not self.host_allowed(host):
            for address in found:
                self.check_address(host, address)
        return found

    def check_url(self, url: str) -> None:
        """When a URL is configured: its scheme and, if the name resolves now, its addresses. A name that
        does not resolve yet is accepted; it is checked again on every connection."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as error:
            raise Refused(f"not a URL ({error})") from None
        if parsed.scheme not in ("https", "http") or not parsed.host:
            raise Refused("must be an https:// URL")
        if parsed.scheme == "http" and not self.host_allowed(parsed.host):
            raise Refused(f"must be https (plain http only to hosts allowed in {SETTING})")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            self.addresses(parsed.host, port)
        except OSError:
            return
