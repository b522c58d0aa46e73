"""The dialling half of the egress policy, as an httpcore network backend: the name is resolved once, every
address it resolves to is checked, and the connection is made to a checked address (never to the name again),
so a DNS answer that changes between the check and the connection (rebinding) cannot reach a refused address.
TLS still verifies, and the request still names, the host of the URL: httpcore passes it as SNI and Host.

Each socket operation's timeout is clamped to what is left of the call's overall deadline, so a server that
trickles one byte at a time cannot hold a call past it (httpx's own timeouts are per operation)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from concurrent import futures
from typing import Any

import httpcore

from npsloop.egress.policy import Policy, Refused

SocketOption = Any  # httpcore's SOCKET_OPTION union, which it does not export


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self.inner = inner
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, left(self.deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, left(self.deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        wait = left(self.deadline, timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, wait), self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


def left(deadline: float, timeout: float | None, expired: type[Exception]) -> float:
    """The smaller of an operation's own timeout and what is left of the call's deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the call's deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


class GuardedBackend(httpcore.NetworkBackend):
    """Made for one call: it knows that call's deadline. Names are resolved on `resolving`'s threads, as the
    system resolver has no timeout of its own to give it: a slow DNS server cannot hold the call past it."""

    def __init__(self, policy: Policy, deadline: float, resolving: futures.Executor) -> None:
        self.policy = policy
        self.deadline = deadline
        self.resolving = resolving
        self.plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        asked = self.resolving.submit(self.policy.addresses, host, port)
        try:
            addresses = asked.result(timeout=left(self.deadline, timeout, httpcore.ConnectTimeout))
        except futures.TimeoutError:
            raise httpcore.ConnectTimeout(f"{host} did not resolve in time") from None
        except OSError as error:
            raise httpcore.ConnectError(f"{host} does not resolve ({error})") from None
        failure: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            wait = left(self.deadline, timeout, httpcore.ConnectTimeout)
            try:
                stream = self.plain.connect_tcp(str(address), port, wait, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return DeadlineStream(stream, self.deadline)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.NetworkStream:
        raise Refused("outbound calls do not use unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
